using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// What a certificate must be for a FedEdge client to take its sender for the broker: marked for TLS server
/// authentication (extended key usage serverAuth), naming the configured broker host among its subject alternative
/// names, and chaining to the pinned fleet CA alone (not the OS trust store: a fleet runs its own PKI).
/// </summary>
/// <remarks>
/// The fleet CA issues device certificates too, so a chain to it proves nothing about being the broker: a device
/// certificate with CN=localhost once passed as the broker's (issue 4/5). deploy/pki issues device, aggregator and
/// Home Assistant certificates with clientAuth only and the broker's with serverAuth, so the usage tells them apart;
/// the name is checked against the subject alternative names only, never against the CN (RFC 6125 §6.4.4: no CN
/// fallback where SANs are used), because a device's CN is a name its owner chose.
/// </remarks>
internal sealed class BrokerCertificatePolicy
{
    /// <summary>id-kp-serverAuth (RFC 5280 §4.2.1.12).</summary>
    internal const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private readonly X509Certificate2 _authority;
    private readonly string _brokerName;

    /// <param name="authority">The pinned fleet CA (not owned: the caller disposes it).</param>
    /// <param name="brokerName">The host name or IP address the client was configured to reach the broker by.</param>
    public BrokerCertificatePolicy(X509Certificate2 authority, string brokerName)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentException.ThrowIfNullOrEmpty(brokerName);
        _authority = authority;
        _brokerName = brokerName;
    }

    /// <summary>Null when <paramref name="certificate"/> may be the broker's; otherwise why not, in one sentence.</summary>
    /// <param name="certificate">The certificate the server presented.</param>
    /// <param name="presented">The chain the TLS stack built, used only for the intermediates the server sent.</param>
    /// <param name="errors">The TLS stack's own verdict; only a missing certificate is taken from it.</param>
    public string? Check(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "the broker presented no certificate";
        }

        var leaf = certificate as X509Certificate2;
        using var loaded = leaf is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        leaf ??= loaded!;

        if (!IsMarkedForServerAuthentication(leaf))
        {
            return $"the certificate '{leaf.Subject}' is not marked for TLS server authentication (extended key usage serverAuth): a client certificate of the fleet cannot stand in for the broker";
        }

        if (!leaf.MatchesHostname(_brokerName, allowWildcards: false, allowCommonName: false))
        {
            return $"the certificate '{leaf.Subject}' does not name '{_brokerName}' among its subject alternative names";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (!chain.Build(leaf))
        {
            var problems = chain.ChainStatus.Select(status => status.StatusInformation.Trim()).Where(text => text.Length > 0);
            return $"the certificate '{leaf.Subject}' does not chain to the pinned fleet CA: {string.Join("; ", problems)}";
        }

        return null;
    }

    /// <summary>
    /// An explicit serverAuth usage. A certificate without the extension is valid for every purpose under RFC 5280,
    /// and X509Chain's application policy lets it pass; FedEdge's broker certificate always carries it.
    /// </summary>
    private static bool IsMarkedForServerAuthentication(X509Certificate2 leaf)
    {
        foreach (var extension in leaf.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension usage)
            {
                foreach (var oid in usage.EnhancedKeyUsages)
                {
                    if (oid.Value == ServerAuthentication)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
