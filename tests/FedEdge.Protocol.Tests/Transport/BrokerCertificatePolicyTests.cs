using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedEdge.Protocol.Transport;

namespace FedEdge.Protocol.Tests.Transport;

/// <summary>
/// A certificate passes as the broker's only with serverAuth, the configured name among its subject alternative names
/// and a chain to the pinned CA. The certificates are shaped like deploy/pki's: the broker's serverAuth with SANs, the
/// devices' clientAuth with the device id as CN and no SAN.
/// </summary>
public sealed class BrokerCertificatePolicyTests : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow(); // X509Chain checks validity against the real clock
    private readonly X509Certificate2 _fleetCa;
    private readonly X509Certificate2 _otherCa;

    public BrokerCertificatePolicyTests()
    {
        _fleetCa = Authority("FedEdge fleet CA");
        _otherCa = Authority("Some other CA");
    }

    [Theory]
    [InlineData("mqtt.home.lan")]
    [InlineData("MQTT.Home.LAN")]
    [InlineData("127.0.0.1")]
    public void The_brokers_certificate_passes_for_each_name_it_was_issued_for(string configuredHost)
    {
        using var broker = Leaf(_fleetCa, "mqtt.home.lan", ServerAuth, ["mqtt.home.lan"], [IPAddress.Loopback]);

        Assert.Null(Policy(configuredHost).Check(broker, null, SslPolicyErrors.None));
    }

    [Fact]
    public void A_device_certificate_named_localhost_is_not_the_broker()
    {
        // the certificate of issue 4/5: make-device-cert.sh localhost, before the scripts refused the name
        using var device = Leaf(_fleetCa, "localhost", ClientAuth, dnsNames: [], addresses: []);

        string? refusal = Policy("localhost").Check(device, null, SslPolicyErrors.None);

        Assert.NotNull(refusal);
        Assert.Contains("not marked for TLS server authentication", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_certificate_is_refused_even_with_the_brokers_name_in_its_alternative_names()
    {
        using var device = Leaf(_fleetCa, "kitchen-01", ClientAuth, ["mqtt.home.lan"], []);

        Assert.Contains("serverAuth", Policy("mqtt.home.lan").Check(device, null, SslPolicyErrors.None), StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_without_any_extended_key_usage_is_refused()
    {
        // RFC 5280 reads a missing extension as "any purpose"; the broker's certificate always states serverAuth
        using var unmarked = Leaf(_fleetCa, "mqtt.home.lan", usage: null, ["mqtt.home.lan"], []);

        Assert.Contains("serverAuth", Policy("mqtt.home.lan").Check(unmarked, null, SslPolicyErrors.None), StringComparison.Ordinal);
    }

    [Fact]
    public void The_name_is_taken_from_the_alternative_names_never_from_the_common_name()
    {
        using var cnOnly = Leaf(_fleetCa, "localhost", ServerAuth, dnsNames: [], addresses: []);

        Assert.Contains("does not name 'localhost'", Policy("localhost").Check(cnOnly, null, SslPolicyErrors.None), StringComparison.Ordinal);
    }

    [Fact]
    public void A_broker_certificate_for_another_name_is_refused()
    {
        using var broker = Leaf(_fleetCa, "mqtt.home.lan", ServerAuth, ["mqtt.home.lan"], []);

        Assert.Contains("does not name 'mqtt.other.lan'", Policy("mqtt.other.lan").Check(broker, null, SslPolicyErrors.None), StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_name_does_not_cover_the_broker()
    {
        using var wildcard = Leaf(_fleetCa, "home.lan", ServerAuth, ["*.home.lan"], []);

        Assert.NotNull(Policy("mqtt.home.lan").Check(wildcard, null, SslPolicyErrors.None));
    }

    [Fact]
    public void A_broker_certificate_from_another_CA_is_refused()
    {
        using var broker = Leaf(_otherCa, "mqtt.home.lan", ServerAuth, ["mqtt.home.lan"], []);

        Assert.Contains("does not chain to the pinned fleet CA", Policy("mqtt.home.lan").Check(broker, null, SslPolicyErrors.None), StringComparison.Ordinal);
    }

    [Fact]
    public void No_certificate_is_refused()
    {
        Assert.NotNull(Policy("mqtt.home.lan").Check(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    public void Dispose()
    {
        _fleetCa.Dispose();
        _otherCa.Dispose();
    }

    private BrokerCertificatePolicy Policy(string host) => new(_fleetCa, host);

    private X509Certificate2 Authority(string name)
    {
        // the key stays alive with the returned certificate, which signs the leaves with it
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("O=FedEdge, CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(_now.AddDays(-1), _now.AddYears(10));
    }

    private X509Certificate2 Leaf(X509Certificate2 issuer, string commonName, Oid? usage, string[] dnsNames, IPAddress[] addresses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("O=FedEdge, CN=" + commonName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (usage is not null)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        }

        if (dnsNames.Length + addresses.Length > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (string name in dnsNames)
            {
                names.AddDnsName(name);
            }

            foreach (var address in addresses)
            {
                names.AddIpAddress(address);
            }

            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return request.Create(issuer, _now.AddDays(-1), _now.AddYears(1), serial);
    }
}
