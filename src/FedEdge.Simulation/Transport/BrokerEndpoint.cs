using System.Globalization;
using FedEdge.Protocol.Transport;

namespace FedEdge.Simulation.Transport;

/// <summary>
/// An external broker for the simulation (<c>--broker mqtts://host:port</c>): TLS with the fleet CA,
/// and one client certificate per identity (the broker maps it to the user name, as deploy/mosquitto does).
/// </summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">TCP port.</param>
/// <param name="UseTls">mqtts (true) or mqtt.</param>
/// <param name="CaCertificatePath">The fleet CA (TLS).</param>
/// <param name="CredentialsDirectory">Holds <c>{identity}.crt</c> and <c>{identity}.key</c> for every device and for <c>aggregator</c>.</param>
public sealed record BrokerEndpoint(string Host, int Port, bool UseTls, string? CaCertificatePath, string? CredentialsDirectory)
{
    /// <summary>Parses <c>mqtts://host:port</c> or <c>mqtt://host:port</c>.</summary>
    /// <exception cref="FormatException">Not such a URI.</exception>
    public static BrokerEndpoint Parse(string uri, string? caCertificatePath, string? credentialsDirectory)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || (parsed.Scheme != "mqtts" && parsed.Scheme != "mqtt") || parsed.Port <= 0 || parsed.AbsolutePath.Length > 1)
        {
            throw new FormatException($"--broker '{uri}' is not mqtts://host:port or mqtt://host:port.");
        }

        bool tls = parsed.Scheme == "mqtts";
        if (!tls && !parsed.IsLoopback)
        {
            throw new FormatException($"--broker '{uri}': plain mqtt:// is only allowed to a loopback address; use mqtts:// with --ca and --credentials.");
        }

        if (tls && caCertificatePath is null)
        {
            throw new FormatException("--broker mqtts:// needs --ca (the fleet CA certificate).");
        }

        return new BrokerEndpoint(parsed.Host, parsed.Port, tls, caCertificatePath, credentialsDirectory);
    }

    /// <summary>Transport options for <paramref name="identity"/> (a device id or "aggregator").</summary>
    public MqttTransportOptions Options(string identity, string clientId)
    {
        string? certificate = CredentialsDirectory is null ? null : Path.Combine(CredentialsDirectory, identity + ".crt");
        string? key = CredentialsDirectory is null ? null : Path.Combine(CredentialsDirectory, identity + ".key");
        return TransportDefaults.Create(Host, Port, clientId, UseTls, CaCertificatePath, certificate, key);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}");
}
