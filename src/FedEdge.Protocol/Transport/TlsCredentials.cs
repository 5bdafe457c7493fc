using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// The CA the broker must chain to and this client's certificate, loaded from PEM files once at start. The broker
/// certificate is validated against the pinned CA only (not the OS trust store): a fleet runs its own PKI.
/// </summary>
internal sealed class TlsCredentials : IDisposable
{
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2? _client;

    private TlsCredentials(X509Certificate2 authority, X509Certificate2? client)
    {
        _authority = authority;
        _client = client;
    }

    public static TlsCredentials Load(MqttTransportOptions options)
    {
        var authority = X509Certificate2.CreateFromPem(File.ReadAllText(options.CaCertificatePath!));
        try
        {
            var client = string.IsNullOrEmpty(options.ClientCertificatePath)
                ? null
                : X509Certificate2.CreateFromPemFile(options.ClientCertificatePath, options.ClientKeyPath);
            return new TlsCredentials(authority, client);
        }
        catch
        {
            authority.Dispose();
            throw;
        }
    }

    public MqttClientTlsOptions ToTlsOptions(string targetHost)
    {
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithTargetHost(targetHost)
            .WithSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13)
            .WithCertificateValidationHandler(ValidateBroker);
        if (_client is not null)
        {
            builder = builder.WithClientCertificates(new X509Certificate2Collection(_client));
        }

        return builder.Build();
    }

    /// <summary>The same checks for a plain <see cref="SslStream"/> (the self-test's reachability probe).</summary>
    public SslClientAuthenticationOptions ToSslOptions(string targetHost) => new()
    {
        TargetHost = targetHost,
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        ClientCertificates = _client is null ? null : new X509CertificateCollection { _client },
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateBroker(certificate, chain, errors),
    };

    private bool ValidateBroker(MqttClientCertificateValidationEventArgs args) => ValidateBroker(args.Certificate, args.Chain, args.SslPolicyErrors);

    private bool ValidateBroker(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        // Name mismatch or no certificate are fatal whatever the chain; chain errors are expected (our CA is not in
        // the OS store) and are re-checked below against the pinned CA alone.
        if (certificate is null ||
            (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2;
        using var loaded = leaf is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        return chain.Build(leaf ?? loaded!);
    }

    public void Dispose()
    {
        _authority.Dispose();
        _client?.Dispose();
    }
}
