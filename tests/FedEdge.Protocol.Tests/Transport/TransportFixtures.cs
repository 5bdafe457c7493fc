using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Protocol.Tests.Transport;

/// <summary>Plain-TCP client settings with short backoffs for the in-process broker.</summary>
internal static class TransportFixtures
{
    public static MqttTransportOptions Options(int port, string clientId, int maxInbound = 16) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = clientId,
        UseTls = false,
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(500),
        CircuitBreakerMinimumThroughput = 50,
        OperationTimeout = TimeSpan.FromSeconds(10),
        MaxInboundQueueLength = maxInbound,
    };

    public static ReconnectingMqttClient Client(MqttTransportOptions options, TimeProvider? time = null) =>
        new(options, time ?? TimeProvider.System, new Random(42), NullLogger<ReconnectingMqttClient>.Instance);

    public static async Task<ReconnectingMqttClient> ConnectedAsync(int port, string clientId, int maxInbound = 16, params string[] subscriptions)
    {
        var client = Client(Options(port, clientId, maxInbound));
        foreach (var filter in subscriptions)
        {
            await client.SubscribeAsync(filter, CancellationToken.None);
        }

        client.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.WaitUntilConnectedAsync(timeout.Token);
        return client;
    }

    public static async Task<ReceivedMessage> NextAsync(ReconnectingMqttClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await client.Inbound.ReadAsync(timeout.Token);
    }
}
