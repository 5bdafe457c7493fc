namespace FedEdge.Simulation.Clock;

/// <summary>
/// Simulated time: stands still until the simulator advances it, so a simulated day takes as long
/// as the work done in it. Timers created on it fire, in due-time order, while <see cref="AdvanceTo"/>
/// passes their due times. Not thread-safe for advancing (one simulation loop); reading is safe.
/// </summary>
public sealed class VirtualClock : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<VirtualTimer> _timers = [];
    private DateTimeOffset _now;

    /// <summary>Starts the clock at <paramref name="start"/>.</summary>
    public VirtualClock(DateTimeOffset start)
    {
        _now = start;
        Start = start;
    }

    /// <summary>When the simulation began.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Simulated time since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => GetUtcNow() - Start;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <inheritdoc/>
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Moves the clock forward to <paramref name="target"/>, firing due timers on the way.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> lies in the past.</exception>
    public void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            VirtualTimer? due;
            lock (_gate)
            {
                if (target < _now)
                {
                    throw new ArgumentOutOfRangeException(nameof(target), target, $"The clock is at {_now:O}; it cannot go back.");
                }

                due = null;
                foreach (var timer in _timers)
                {
                    if (timer.Due <= target && (due is null || timer.Due < due.Due))
                    {
                        due = timer;
                    }
                }

                if (due is null)
                {
                    _now = target;
                    return;
                }

                _now = due.Due > _now ? due.Due : _now;
                due.Reschedule(_now);
                if (due.Due == DateTimeOffset.MaxValue)
                {
                    _timers.Remove(due);
                }
            }

            due.Fire();
        }
    }

    /// <summary>Moves the clock forward by <paramref name="delta"/>.</summary>
    public void Advance(TimeSpan delta) => AdvanceTo(GetUtcNow() + delta);

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Track(VirtualTimer timer, bool active)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
            if (active)
            {
                _timers.Add(timer);
            }
        }
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period;

        public DateTimeOffset Due { get; private set; } = DateTimeOffset.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            bool active = dueTime != Timeout.InfiniteTimeSpan;
            Due = active ? clock.GetUtcNow() + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime) : DateTimeOffset.MaxValue;
            clock.Track(this, active);
            return true;
        }

        /// <summary>Called under the clock's lock when the timer fires at <paramref name="now"/>.</summary>
        public void Reschedule(DateTimeOffset now) =>
            Due = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? now + _period : DateTimeOffset.MaxValue;

        public void Fire() => callback(state);

        public void Dispose() => clock.Track(this, active: false);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
