using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// The CA the broker must chain to and this client's certificate, loaded from PEM files once at start. The broker's
/// certificate must pass <see cref="BrokerCertificatePolicy"/>: the pinned CA only (not the OS trust store: a fleet runs
/// its own PKI), the serverAuth usage and the configured broker name.
/// </summary>
internal sealed class TlsCredentials : IDisposable
{
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2? _client;
    private string? _lastRefusal;

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

    /// <summary>Why the broker's certificate was refused in the last handshake, or null after one that passed.</summary>
    public string? LastRefusal => Volatile.Read(ref _lastRefusal);

    /// <summary>TLS settings for MQTTnet; the broker must pass <see cref="BrokerCertificatePolicy"/> for <paramref name="targetHost"/>.</summary>
    public MqttClientTlsOptions ToTlsOptions(string targetHost)
    {
        var policy = new BrokerCertificatePolicy(_authority, targetHost);
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithTargetHost(targetHost)
            .WithSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13)
            .WithCertificateValidationHandler(args => ValidateBroker(policy, args.Certificate, args.Chain, args.SslPolicyErrors));
        if (_client is not null)
        {
            builder = builder.WithClientCertificates(new X509Certificate2Collection(_client));
        }

        return builder.Build();
    }

    /// <summary>The same checks for a plain <see cref="SslStream"/> (the self-test's reachability probe).</summary>
    public SslClientAuthenticationOptions ToSslOptions(string targetHost)
    {
        var policy = new BrokerCertificatePolicy(_authority, targetHost);
        return new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            ClientCertificates = _client is null ? null : new X509CertificateCollection { _client },
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateBroker(policy, certificate, chain, errors),
        };
    }

    private bool ValidateBroker(BrokerCertificatePolicy policy, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        string? refusal = policy.Check(certificate, presented, errors);
        Volatile.Write(ref _lastRefusal, refusal);
        return refusal is null;
    }

    public void Dispose()
    {
        _authority.Dispose();
        _client?.Dispose();
    }
}
