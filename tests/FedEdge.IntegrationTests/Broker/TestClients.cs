using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests.Broker;

/// <summary>Client settings for the tests: TLS with the test PKI and short backoffs, so an outage costs seconds.</summary>
public static class TestClients
{
    public const string Fleet = "test-fleet";

    public static string UpdatesTopic(string device) => $"fededge/v1/{Fleet}/updates/{device}";

    public static string ModelTopic => $"fededge/v1/{Fleet}/model";

    public static string SharedUpdatesFilter => $"$share/aggregators/fededge/v1/{Fleet}/updates/+";

    public static MqttTransportOptions Options(MosquittoBroker broker, string clientId, ClientCertificateFiles? certificate) => new()
    {
        Host = "127.0.0.1",
        Port = broker.Port,
        ClientId = clientId,
        UseTls = true,
        CaCertificatePath = broker.Pki.CaCertificatePath,
        ClientCertificatePath = certificate?.CertificatePath,
        ClientKeyPath = certificate?.KeyPath,
        KeepAlive = TimeSpan.FromSeconds(10),
        OperationTimeout = TimeSpan.FromSeconds(10),
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(500),
        CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(5),
        CircuitBreakerMinimumThroughput = 10,
        MaxInboundQueueLength = 32,
    };

    /// <summary>A connected client whose certificate CN and client id are <paramref name="clientId"/>.</summary>
    public static async Task<ReconnectingMqttClient> ConnectAsync(MosquittoBroker broker, string clientId, int seed, params string[] subscriptions) =>
        await ConnectAsync(broker, clientId, seed, null, subscriptions);

    /// <summary>As above, logging into <paramref name="log"/>.</summary>
    public static async Task<ReconnectingMqttClient> ConnectAsync(MosquittoBroker broker, string clientId, int seed, TestLog? log, params string[] subscriptions)
    {
        var client = new ReconnectingMqttClient(
            Options(broker, clientId, broker.Pki.Client(clientId)),
            TimeProvider.System,
            new Random(seed),
            log?.For<ReconnectingMqttClient>() ?? NullLogger<ReconnectingMqttClient>.Instance);
        try
        {
            foreach (var filter in subscriptions)
            {
                await client.SubscribeAsync(filter, CancellationToken.None);
            }

            client.Start();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await client.WaitUntilConnectedAsync(timeout.Token);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next inbound message, or a failed test after <paramref name="seconds"/>.</summary>
    public static async Task<ReceivedMessage> NextAsync(ReconnectingMqttClient client, int seconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await client.Inbound.ReadAsync(timeout.Token);
    }
}
