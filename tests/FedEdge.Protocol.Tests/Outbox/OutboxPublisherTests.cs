using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Tests.Transport;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;

namespace FedEdge.Protocol.Tests.Outbox;

public sealed class OutboxPublisherTests
{
    private const string Good = "fededge/v1/f/updates/d1";
    private const string Forbidden = "fededge/v1/f/updates/other";

    private static SqliteOutbox Open(string path) =>
        SqliteOutbox.Open(new OutboxOptions { DatabasePath = path }, new FakeTimeProvider(), NullLogger<SqliteOutbox>.Instance);

    private static OutboxPublisher Publisher(SqliteOutbox outbox, IAcknowledgedPublisher publisher, bool retryWhenNoSubscribers = true) =>
        new(outbox, publisher, new OutboxPublisherOptions { BatchSize = 2, RetryWhenNoMatchingSubscribers = retryWhenNoSubscribers }, new FakeTimeProvider(), NullLogger<OutboxPublisher>.Instance);

    private static byte[] Id(byte b)
    {
        var id = new byte[16];
        id[3] = b;
        return id;
    }

    private static async Task FillAsync(SqliteOutbox outbox, params (byte Id, string Topic)[] entries)
    {
        foreach (var (id, topic) in entries)
        {
            await outbox.EnqueueAsync(Id(id), topic, new[] { id }, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Pass_publishes_oldest_first_and_deletes_each_acknowledged_entry()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await FillAsync(outbox, (1, Good), (2, Good), (3, Good));
        var publisher = new ScriptedPublisher((_, _) => ScriptedPublisher.Success);

        var (seen, delivered) = await Publisher(outbox, publisher).PublishPassAsync(TestContext.Current.CancellationToken);

        Assert.Equal((3, 3), (seen, delivered));
        Assert.Equal(new[] { new byte[] { 1 }, [2], [3] }, publisher.Published);
        Assert.Equal(0, (await outbox.GetUsageAsync(TestContext.Current.CancellationToken)).Entries);
    }

    [Fact]
    public async Task Rejected_entry_stays_with_a_counted_attempt_and_does_not_block_later_entries()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await FillAsync(outbox, (1, Forbidden), (2, Forbidden), (3, Good));
        var publisher = new ScriptedPublisher((topic, _) => topic == Forbidden
            ? throw new PublishRejectedException(topic, MqttClientPublishReasonCode.NotAuthorized, null)
            : ScriptedPublisher.Success);

        var (_, delivered) = await Publisher(outbox, publisher).PublishPassAsync(TestContext.Current.CancellationToken);

        var left = await outbox.PeekOldestAsync(10, TestContext.Current.CancellationToken);
        Assert.Equal(1, delivered);
        Assert.Equal(new[] { Id(1), Id(2) }, left.Select(e => e.UpdateId.ToArray()));
        Assert.All(left, e => Assert.Equal(1, e.Attempts));
    }

    [Fact]
    public async Task Lost_connection_keeps_the_entry_and_ends_the_pass_so_the_next_starts_from_the_oldest()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await FillAsync(outbox, (1, Good), (2, Good));
        var publisher = new ScriptedPublisher((_, _) => throw new TransportUnavailableException());

        var (seen, delivered) = await Publisher(outbox, publisher).PublishPassAsync(TestContext.Current.CancellationToken);

        var left = await outbox.PeekOldestAsync(10, TestContext.Current.CancellationToken);
        Assert.Equal((1, 0), (seen, delivered));
        Assert.Equal(new[] { 1, 0 }, left.Select(e => e.Attempts));
    }

    [Fact]
    public async Task Entry_acknowledged_with_no_matching_subscribers_stays_in_the_outbox()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await FillAsync(outbox, (1, Good));
        var publisher = new ScriptedPublisher((_, _) => new PublishAcknowledgement(MqttClientPublishReasonCode.NoMatchingSubscribers));

        await Publisher(outbox, publisher).PublishPassAsync(TestContext.Current.CancellationToken);

        Assert.Single(await outbox.PeekOldestAsync(10, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Entry_acknowledged_with_no_matching_subscribers_is_deleted_when_retry_is_off()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await FillAsync(outbox, (1, Good));
        var publisher = new ScriptedPublisher((_, _) => new PublishAcknowledgement(MqttClientPublishReasonCode.NoMatchingSubscribers));

        await Publisher(outbox, publisher, retryWhenNoSubscribers: false).PublishPassAsync(TestContext.Current.CancellationToken);

        Assert.Empty(await outbox.PeekOldestAsync(10, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_delivers_entries_enqueued_while_the_broker_was_down_once_it_is_up()
    {
        var ct = TestContext.Current.CancellationToken;
        using var db = new TempDatabase();
        using var outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = db.Path }, TimeProvider.System, NullLogger<SqliteOutbox>.Instance);
        await FillAsync(outbox, (1, Good), (2, Good));
        var received = new List<byte>();
        await using var broker = InProcessBroker.Create(server => server.InterceptingPublishAsync += args =>
        {
            lock (received)
            {
                received.Add(args.ApplicationMessage.Payload.FirstSpan[0]);
            }

            return Task.CompletedTask;
        });
        await using var client = TransportFixtures.Client(TransportFixtures.Options(broker.Port, "d1"));
        client.Start();
        var publisher = new OutboxPublisher(outbox, client, new OutboxPublisherOptions { RetryWhenNoMatchingSubscribers = false, IdlePollInterval = TimeSpan.FromMilliseconds(50) }, TimeProvider.System, NullLogger<OutboxPublisher>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = publisher.RunAsync(stop.Token);

        await broker.StartAgainAsync();
        await FillAsync(outbox, (3, Good));
        for (var i = 0; i < 400 && (await outbox.GetUsageAsync(ct)).Entries > 0; i++)
        {
            await Task.Delay(25, ct);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(0, (await outbox.GetUsageAsync(ct)).Entries);
        lock (received)
        {
            Assert.Equal(new byte[] { 1, 2, 3 }, received);
        }
    }
}
