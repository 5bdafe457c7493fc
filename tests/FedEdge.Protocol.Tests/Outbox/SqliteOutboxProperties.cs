using FedEdge.Protocol.Outbox;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Protocol.Tests.Outbox;

public sealed class SqliteOutboxProperties
{
    /// <summary>
    /// Idempotence and order: after any sequence of enqueues (ids from a small alphabet so duplicates are common)
    /// the outbox holds each distinct id once, in the order of its first enqueue — compared with a list model.
    /// </summary>
    [Property(MaxTest = 25)]
    public async Task<bool> Outbox_holds_each_distinct_id_once_in_first_enqueue_order(byte[] keys)
    {
        using var db = new TempDatabase();
        using var outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = db.Path }, new FakeTimeProvider(), NullLogger<SqliteOutbox>.Instance);
        var model = new List<byte>();
        foreach (var key in keys)
        {
            var id = new byte[16];
            id[0] = (byte)(key % 8);
            await outbox.EnqueueAsync(id, "t", new[] { key }, CancellationToken.None);
            if (!model.Contains(id[0]))
            {
                model.Add(id[0]);
            }
        }

        var entries = await outbox.PeekOldestAsync(100, CancellationToken.None);
        return entries.Select(e => e.UpdateId.Span[0]).SequenceEqual(model);
    }
}
