namespace FedEdge.Sensors.Hardware;

/// <summary>
/// Stable-time debouncing of a binary input: a new level is accepted only once it has held for the
/// debounce time with no further edge. Edges are fed as they arrive (GPIO callback thread) and the
/// pending level is committed lazily, on the next edge or read, so no timer is needed.
/// </summary>
/// <remarks>
/// A reed contact bounces for a few ms when it closes; a PIR module's output is clean but may glitch
/// on supply noise. Stable-time (rather than lock-out after the first edge) guarantees the accepted
/// level equals the level the contact settled at.
/// </remarks>
internal sealed class DebouncedInput
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _debounceTicks;
    private bool _committed;
    private bool _pending;
    private long _pendingSince;
    private long _rises;
    private long _falls;

    public DebouncedInput(TimeProvider timeProvider, TimeSpan debounce, bool initialLevel)
    {
        _timeProvider = timeProvider;
        _debounceTicks = debounce.Ticks;
        _committed = initialLevel;
        _pending = initialLevel;
        _pendingSince = timeProvider.GetUtcNow().UtcTicks - _debounceTicks;
    }

    /// <summary>Feeds the raw level seen after an edge.</summary>
    public void OnEdge(bool level)
    {
        lock (_gate)
        {
            long now = _timeProvider.GetUtcNow().UtcTicks;
            CommitIfStable(now);
            if (level != _pending)
            {
                _pending = level;
                _pendingSince = now;
            }
        }
    }

    /// <summary>The debounced level now, and the accepted rising and falling transitions so far.</summary>
    public (bool Level, long Rises, long Falls) Sample()
    {
        lock (_gate)
        {
            CommitIfStable(_timeProvider.GetUtcNow().UtcTicks);
            return (_committed, _rises, _falls);
        }
    }

    private void CommitIfStable(long now)
    {
        if (_pending != _committed && now - _pendingSince >= _debounceTicks)
        {
            _committed = _pending;
            if (_committed)
            {
                _rises++;
            }
            else
            {
                _falls++;
            }
        }
    }
}
