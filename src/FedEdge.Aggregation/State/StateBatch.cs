namespace FedEdge.Aggregation.State;

/// <summary>An open group commit of <see cref="AggregatorStateStore"/>; disposing without <see cref="Commit"/> rolls it back.</summary>
public sealed class StateBatch : IDisposable
{
    private readonly AggregatorStateStore _store;
    private bool _done;

    internal StateBatch(AggregatorStateStore store)
    {
        _store = store;
    }

    /// <summary>Makes every change of the batch durable (one fsync).</summary>
    public void Commit()
    {
        _done = true;
        _store.EndBatch(commit: true);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_done)
        {
            _done = true;
            _store.EndBatch(commit: false);
        }
    }
}
