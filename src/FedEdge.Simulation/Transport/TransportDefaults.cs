using FedEdge.Protocol.Transport;

namespace FedEdge.Simulation.Transport;

/// <summary>Transport settings for simulated clients: the product's client, with short timeouts for a local broker.</summary>
internal static class TransportDefaults
{
    public static MqttTransportOptions Create(string host, int port, string clientId, bool tls, string? ca, string? certificate, string? key) => new()
    {
        Host = host,
        Port = port,
        ClientId = clientId,
        UseTls = tls,
        CaCertificatePath = tls ? ca : null,
        ClientCertificatePath = tls ? certificate : null,
        ClientKeyPath = tls ? key : null,
        KeepAlive = TimeSpan.FromSeconds(60),
        SessionExpiry = TimeSpan.FromMinutes(10),
        OperationTimeout = TimeSpan.FromSeconds(15),
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(500),
        CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(5),
        CircuitBreakerMinimumThroughput = 100,
        MaxInboundQueueLength = 4096,
        MaximumPacketBytes = 16 * 1024 * 1024,
    };
}
