using FedEdge.Protocol.Outbox;

namespace FedEdge.Simulation.Devices;

/// <summary>
/// Bounds how many virtual devices keep their outbox's SQLite connection open: the most recently active ones. An open
/// connection costs ≈ 220 KiB of native memory and three file descriptors (database, WAL, WAL index), and a device is idle
/// between its check-ins nearly all the time; a released outbox reopens on its next call, its entries on disk.
/// </summary>
internal sealed class OpenOutboxes
{
    private readonly int _limit;
    private readonly LinkedList<SqliteOutbox> _recent = new();
    private readonly Dictionary<SqliteOutbox, LinkedListNode<SqliteOutbox>> _nodes = [];

    /// <param name="limit">Most devices with an open outbox at once (≥ 1).</param>
    public OpenOutboxes(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
    }

    /// <summary>How many outboxes are tracked as open.</summary>
    public int Count => _recent.Count;

    /// <summary>
    /// The device of <paramref name="outbox"/> is about to act (the outbox reopens on its next call if it was released): it
    /// becomes the most recent, and the least recently active beyond the limit is released.
    /// </summary>
    public void Touch(SqliteOutbox outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        if (_nodes.TryGetValue(outbox, out var node))
        {
            _recent.Remove(node);
            _recent.AddFirst(node);
            return;
        }

        _nodes[outbox] = _recent.AddFirst(outbox);
        while (_recent.Count > _limit)
        {
            var oldest = _recent.Last!;
            _recent.RemoveLast();
            _nodes.Remove(oldest.Value);
            oldest.Value.Release();
        }
    }
}
