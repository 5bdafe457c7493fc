using FedEdge.Protocol.Transport;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// One fleet PKI made by the deploy/pki scripts (<see cref="ScriptPki"/>) for <see cref="HostileDeviceTests"/>, plus what
/// they need beyond it: a second broker certificate under the single-label name <see cref="BrokerName"/> (so the CA
/// has a broker name on record that is also a valid device id), honest device certificates, the attacker's
/// certificate and one to revoke. Every certificate is a lab one-shot from make-device-cert.sh, exactly as issued.
/// </summary>
public sealed class HostileFleetFixture : IAsyncLifetime
{
    /// <summary>A name the broker is reached by that would be a valid device id were it not recorded by the CA.</summary>
    public const string BrokerName = "mqtt-hub";

    /// <summary>The attacker: a device of the fleet with a valid certificate.</summary>
    public const string Hostile = "hostile-01";

    /// <summary>A device whose certificate the revocation test revokes.</summary>
    public const string Revoked = "revoked-01";

    /// <summary>Honest devices.</summary>
    public static readonly string[] Honest = ["kitchen-02", "kitchen-03", "kitchen-04"];

    public ScriptPki Pki { get; private set; } = null!;

    public string CaCertificate => Path.Combine(Pki.CaDirectory, "ca.crt");

    public async ValueTask InitializeAsync()
    {
        Pki = await ScriptPki.CreateAsync();
        await Pki.RunAsync("make-broker-cert.sh", [BrokerName], ("OUT_DIR", "broker-hub"));
        foreach (string id in Honest.Append(Hostile).Append(Revoked))
        {
            await Pki.RunAsync("make-device-cert.sh", [id, "devices"]);
        }
    }

    /// <summary>Certificate and key of a device made here, or of "aggregator" / "homeassistant".</summary>
    public (string Certificate, string Key) Identity(string name) => name switch
    {
        "aggregator" => (Path.Combine(Pki.AggregatorDirectory, "aggregator.crt"), Path.Combine(Pki.AggregatorDirectory, "aggregator.key")),
        "homeassistant" => (Path.Combine(Pki.HomeAssistantDirectory, "homeassistant.crt"), Path.Combine(Pki.HomeAssistantDirectory, "homeassistant.key")),
        _ => (Path.Combine(Pki.Directory, "devices", name + ".crt"), Path.Combine(Pki.Directory, "devices", name + ".key")),
    };

    /// <summary>Transport options of <paramref name="identity"/>'s certificate, connecting as <paramref name="clientId"/> (default: the identity).</summary>
    public MqttTransportOptions Options(DeployedBroker broker, string identity, string? clientId = null)
    {
        var (certificate, key) = Identity(identity);
        return DeployedClient.Options(CaCertificate, broker.Port, certificate, key, clientId ?? identity);
    }

    public ValueTask DisposeAsync()
    {
        Pki?.Dispose();
        return ValueTask.CompletedTask;
    }
}
