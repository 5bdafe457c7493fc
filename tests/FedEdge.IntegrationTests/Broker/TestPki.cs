using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FedEdge.IntegrationTests.Broker;

/// <summary>
/// A throw-away PKI written as PEM files: the fleet CA and its empty CRL, a broker certificate for 127.0.0.1/localhost, client
/// certificates with CN = device id (and "aggregator"), and a second "rogue" CA that the broker does not trust.
/// Built with CertificateRequest (ECDSA P-256, SHA-256), so no openssl is needed.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _rogueCa;
    private readonly DateTimeOffset _now;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ClientCertificateFiles> _issued = [];
    private long _serial = 1;

    public TestPki(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        _now = TimeProvider.System.GetUtcNow();
        _ca = CreateAuthority("FedEdge Test CA");
        _rogueCa = CreateAuthority("Rogue CA");
        WritePem(CaCertificatePath, _ca.ExportCertificatePem());

        using var brokerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = LeafRequest("localhost", brokerKey, new Oid("1.3.6.1.5.5.7.3.1")); // serverAuth
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var broker = Sign(request, _ca);
        WritePem(BrokerCertificatePath, broker.ExportCertificatePem());
        WritePem(BrokerKeyPath, brokerKey.ExportPkcs8PrivateKeyPem());

        // deploy/mosquitto's crlfile: an empty list, as make-ca.sh makes one
        byte[] crl = new CertificateRevocationListBuilder().Build(_ca, BigInteger.One, _now.AddDays(2), HashAlgorithmName.SHA256);
        WritePem(CrlPath, new string(PemEncoding.Write("X509 CRL", crl)));
    }

    public string Directory { get; }

    public string CaCertificatePath => Path.Combine(Directory, "ca.crt");

    public string BrokerCertificatePath => Path.Combine(Directory, "broker.crt");

    public string BrokerKeyPath => Path.Combine(Directory, "broker.key");

    /// <summary>The fleet CA's (empty) certificate revocation list.</summary>
    public string CrlPath => Path.Combine(Directory, "crl.pem");

    /// <summary>Certificate and key files for <paramref name="commonName"/> signed by the fleet CA (created once).</summary>
    public ClientCertificateFiles Client(string commonName) => Issue(commonName, rogue: false);

    /// <summary>Certificate and key files for <paramref name="commonName"/> signed by the rogue CA.</summary>
    public ClientCertificateFiles RogueClient(string commonName) => Issue(commonName, rogue: true);

    public void Dispose()
    {
        _ca.Dispose();
        _rogueCa.Dispose();
    }

    private ClientCertificateFiles Issue(string commonName, bool rogue)
    {
        var name = (rogue ? "rogue-" : "client-") + commonName;
        lock (_gate)
        {
            if (_issued.TryGetValue(name, out var files))
            {
                return files;
            }

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = Sign(LeafRequest(commonName, key, new Oid("1.3.6.1.5.5.7.3.2")), rogue ? _rogueCa : _ca); // clientAuth
            files = new ClientCertificateFiles(Path.Combine(Directory, name + ".crt"), Path.Combine(Directory, name + ".key"));
            WritePem(files.CertificatePath, certificate.ExportCertificatePem());
            WritePem(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
            _issued.Add(name, files);
            return files;
        }
    }

    private X509Certificate2 CreateAuthority(string commonName)
    {
        // The key stays alive with the returned certificate, which signs with it.
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(_now.AddHours(-1), _now.AddDays(2));
    }

    private static CertificateRequest LeafRequest(string commonName, ECDsa key, Oid usage)
    {
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    private X509Certificate2 Sign(CertificateRequest request, X509Certificate2 issuer)
    {
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = new BigInteger(Interlocked.Increment(ref _serial)).ToByteArray(isUnsigned: true, isBigEndian: true);
        return request.Create(issuer, _now.AddHours(-1), _now.AddDays(1), serial);
    }

    private static void WritePem(string path, string pem) => File.WriteAllText(path, pem);
}
