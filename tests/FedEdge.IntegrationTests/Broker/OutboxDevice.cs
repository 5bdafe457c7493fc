using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests.Broker;

/// <summary>A device as the agent wires it: durable outbox, reconnecting client, and the publisher loop between them.</summary>
public sealed class OutboxDevice : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _publishing;

    private OutboxDevice(string id, SqliteOutbox outbox, ReconnectingMqttClient client, TestLog? log)
    {
        Id = id;
        Outbox = outbox;
        Client = client;
        var publisher = new OutboxPublisher(
            outbox,
            client,
            new OutboxPublisherOptions { IdlePollInterval = TimeSpan.FromMilliseconds(200), RetryDelay = TimeSpan.FromMilliseconds(100) },
            TimeProvider.System,
            log?.For<OutboxPublisher>() ?? NullLogger<OutboxPublisher>.Instance);
        _publishing = Task.Run(() => publisher.RunAsync(_stop.Token));
    }

    public string Id { get; }

    public SqliteOutbox Outbox { get; }

    public ReconnectingMqttClient Client { get; }

    public static async Task<OutboxDevice> StartAsync(MosquittoBroker broker, string id, string databasePath, int seed, int maxEntries = 512, TestLog? log = null)
    {
        var outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = databasePath, MaxEntries = maxEntries }, TimeProvider.System, log?.For<SqliteOutbox>() ?? NullLogger<SqliteOutbox>.Instance);
        try
        {
            var client = await TestClients.ConnectAsync(broker, id, seed, log);
            return new OutboxDevice(id, outbox, client, log);
        }
        catch
        {
            outbox.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _publishing;
        }
        catch (OperationCanceledException)
        {
            // Expected: the publisher loop ends by cancellation.
        }

        await Client.DisposeAsync();
        Outbox.Dispose();
        _stop.Dispose();
    }
}
