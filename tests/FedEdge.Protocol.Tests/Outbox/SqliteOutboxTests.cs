using FedEdge.Protocol.Outbox;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Protocol.Tests.Outbox;

public sealed class SqliteOutboxTests
{
    private const string Topic = "fededge/v1/f/updates/d1";

    private static SqliteOutbox Open(string path, int maxEntries = 100, long maxBytes = 1 << 20, TimeProvider? time = null) =>
        SqliteOutbox.Open(new OutboxOptions { DatabasePath = path, MaxEntries = maxEntries, MaxBytes = maxBytes }, time ?? new FakeTimeProvider(), NullLogger<SqliteOutbox>.Instance);

    private static byte[] Id(byte b)
    {
        var id = new byte[16];
        id[0] = b;
        id[15] = (byte)~b;
        return id;
    }

    [Fact]
    public async Task PeekOldestAsync_returns_entries_in_insertion_order_with_their_content()
    {
        using var db = new TempDatabase();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using var outbox = Open(db.Path, time: time);
        await outbox.EnqueueAsync(Id(2), Topic, new byte[] { 20, 21 }, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        await outbox.EnqueueAsync(Id(1), Topic + "x", new byte[] { 10 }, TestContext.Current.CancellationToken);

        var entries = await outbox.PeekOldestAsync(10, TestContext.Current.CancellationToken);

        Assert.Equal(2, entries.Count);
        Assert.Equal(Id(2), entries[0].UpdateId.ToArray());
        Assert.Equal(new byte[] { 20, 21 }, entries[0].Payload.ToArray());
        Assert.Equal(Topic, entries[0].Topic);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), entries[0].CreatedAt);
        Assert.Equal(Id(1), entries[1].UpdateId.ToArray());
        Assert.Equal(Topic + "x", entries[1].Topic);
    }

    [Fact]
    public async Task EnqueueAsync_of_an_id_already_waiting_stores_nothing_and_says_so()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1 }, TestContext.Current.CancellationToken);

        var outcome = await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 2, 2 }, TestContext.Current.CancellationToken);

        Assert.Equal(EnqueueOutcome.AlreadyPresent, outcome);
        var entry = Assert.Single(await outbox.PeekOldestAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal(new byte[] { 1 }, entry.Payload.ToArray());
    }

    [Fact]
    public async Task EnqueueAsync_beyond_the_entry_bound_throws_OutboxFullException_and_keeps_the_rest()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path, maxEntries: 2);
        await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1 }, TestContext.Current.CancellationToken);
        await outbox.EnqueueAsync(Id(2), Topic, new byte[] { 2 }, TestContext.Current.CancellationToken);

        var full = await Assert.ThrowsAsync<OutboxFullException>(() => outbox.EnqueueAsync(Id(3), Topic, new byte[] { 3 }, TestContext.Current.CancellationToken));

        Assert.Equal(2, full.Usage.Entries);
        Assert.Equal(2, (await outbox.GetUsageAsync(TestContext.Current.CancellationToken)).Entries);
    }

    [Fact]
    public async Task EnqueueAsync_beyond_the_byte_bound_throws_OutboxFullException()
    {
        using var db = new TempDatabase();
        var bound = 100 + Topic.Length + 50;
        using var outbox = Open(db.Path, maxBytes: bound);
        await outbox.EnqueueAsync(Id(1), Topic, new byte[100], TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<OutboxFullException>(() => outbox.EnqueueAsync(Id(2), Topic, new byte[51], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task EnqueueAsync_of_a_waiting_id_succeeds_even_when_full()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path, maxEntries: 1);
        await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1 }, TestContext.Current.CancellationToken);

        var outcome = await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1 }, TestContext.Current.CancellationToken);

        Assert.Equal(EnqueueOutcome.AlreadyPresent, outcome);
    }

    [Fact]
    public async Task Entries_survive_closing_and_reopening_the_database()
    {
        using var db = new TempDatabase();
        using (var outbox = Open(db.Path))
        {
            await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1, 2, 3 }, TestContext.Current.CancellationToken);
        }

        using var reopened = Open(db.Path);
        var entry = Assert.Single(await reopened.PeekOldestAsync(10, TestContext.Current.CancellationToken));

        Assert.Equal(new byte[] { 1, 2, 3 }, entry.Payload.ToArray());
    }

    [Fact]
    public async Task RemoveAsync_deletes_only_the_given_entry_and_RecordFailedAttemptAsync_counts()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1 }, TestContext.Current.CancellationToken);
        await outbox.EnqueueAsync(Id(2), Topic, new byte[] { 2 }, TestContext.Current.CancellationToken);

        Assert.True(await outbox.RemoveAsync(Id(1), TestContext.Current.CancellationToken));
        Assert.True(await outbox.RecordFailedAttemptAsync(Id(2), TestContext.Current.CancellationToken));

        var entry = Assert.Single(await outbox.PeekOldestAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal(Id(2), entry.UpdateId.ToArray());
        Assert.Equal(1, entry.Attempts);
    }

    [Fact]
    public async Task EnqueueAsync_rejects_an_update_id_that_is_not_16_bytes()
    {
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);

        await Assert.ThrowsAsync<ArgumentException>(() => outbox.EnqueueAsync(new byte[15], Topic, new byte[] { 1 }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Database_is_in_WAL_mode()
    {
        using var db = new TempDatabase();
        using (Open(db.Path))
        {
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db.Path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";

        Assert.Equal("wal", command.ExecuteScalar() as string);
    }

    [Fact]
    public async Task InspectUsage_counts_what_waits_while_the_owner_keeps_writing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1, 2, 3 }, ct);

        var usage = SqliteOutbox.InspectUsage(db.Path);

        Assert.Equal(await outbox.GetUsageAsync(ct), usage);
        Assert.Equal(1, usage.Entries);

        // the inspection held nothing the owner waits for
        await outbox.EnqueueAsync(Id(2), Topic, new byte[] { 4 }, ct);
        Assert.Equal(2, SqliteOutbox.InspectUsage(db.Path).Entries);
    }

    [Fact]
    public async Task InspectUsage_reads_a_closed_outbox_without_writing_to_its_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var db = new TempDatabase();
        using (var outbox = Open(db.Path))
        {
            await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1 }, ct);
        }

        string folder = System.IO.Path.GetDirectoryName(db.Path)!;
        string[] before = [.. Directory.GetFiles(folder).Order(StringComparer.Ordinal)];

        Assert.Equal(1, SqliteOutbox.InspectUsage(db.Path).Entries);
        Assert.Equal(before, Directory.GetFiles(folder).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void InspectUsage_of_a_missing_outbox_is_empty_and_creates_no_file()
    {
        using var db = new TempDatabase();

        Assert.Equal(default, SqliteOutbox.InspectUsage(db.Path));
        Assert.False(File.Exists(db.Path));
    }

    [Fact]
    public async Task Release_closes_the_connection_and_the_next_call_reopens_it_with_every_entry()
    {
        var ct = TestContext.Current.CancellationToken;
        using var db = new TempDatabase();
        using var outbox = Open(db.Path);
        await outbox.EnqueueAsync(Id(1), Topic, new byte[] { 1 }, ct);
        await outbox.EnqueueAsync(Id(2), Topic, new byte[] { 2, 2 }, ct);
        Assert.True(File.Exists(db.Path + "-wal"), "an open WAL database has its -wal file");

        outbox.Release();

        // the last connection closed: SQLite checkpointed and removed the WAL, so nothing holds the file open
        Assert.False(outbox.IsOpen);
        Assert.False(File.Exists(db.Path + "-wal"));
        var entries = await outbox.PeekOldestAsync(10, ct);
        Assert.True(outbox.IsOpen);
        Assert.Equal([Id(1), Id(2)], entries.Select(e => e.UpdateId.ToArray()));
        Assert.Equal(new byte[] { 2, 2 }, entries[1].Payload.ToArray());

        outbox.Release();
        Assert.True(await outbox.RemoveAsync(Id(1), ct));
        outbox.Release();
        Assert.Equal(EnqueueOutcome.Stored, await outbox.EnqueueAsync(Id(3), Topic, new byte[] { 3 }, ct));
        outbox.Release();
        Assert.Equal(EnqueueOutcome.AlreadyPresent, await outbox.EnqueueAsync(Id(3), Topic, new byte[] { 9 }, ct));
        Assert.Equal([Id(2), Id(3)], (await outbox.PeekOldestAsync(10, ct)).Select(e => e.UpdateId.ToArray()));
        Assert.Equal(new OutboxUsage(2, 2 + 1 + (2 * Topic.Length)), await outbox.GetUsageAsync(ct));
    }
}
