namespace FedEdge.Device.Eligibility;

/// <summary>
/// Decides "idle": the CPU load caused by <em>other</em> processes has stayed below a threshold for
/// a minimum time. FedEdge's own CPU time (training!) is subtracted, otherwise the device would
/// stop being idle the moment it starts to train.
/// </summary>
public sealed class IdleTracker
{
    private readonly double _threshold;
    private readonly TimeSpan _minimum;
    private CpuTimes? _previous;
    private DateTimeOffset? _idleSince;

    /// <summary>Idle means other-process load below <paramref name="threshold"/> (fraction of all CPUs) for <paramref name="minimum"/>.</summary>
    public IdleTracker(double threshold, TimeSpan minimum)
    {
        if (!(threshold > 0 && threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The idle load threshold must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, TimeSpan.Zero);
        _threshold = threshold;
        _minimum = minimum;
    }

    /// <summary>The other-process load of the last interval, or null before two samples.</summary>
    public double? LastLoad { get; private set; }

    /// <summary>How long the load has been below the threshold at <paramref name="now"/> (zero while it is not).</summary>
    public TimeSpan IdleSoFar(DateTimeOffset now) => _idleSince is DateTimeOffset since && now > since ? now - since : TimeSpan.Zero;

    /// <summary>Feeds a sample taken at <paramref name="now"/>; returns whether the device counts as idle.</summary>
    public bool Update(CpuTimes? sample, DateTimeOffset now)
    {
        if (sample is not CpuTimes current)
        {
            // cannot tell: not idle (fail safe — do not train on a device we cannot observe)
            _idleSince = null;
            LastLoad = null;
            return false;
        }

        if (_previous is CpuTimes previous && current.Total > previous.Total)
        {
            double total = current.Total - previous.Total;
            double busy = total - Math.Min(total, current.Idle - Math.Min(current.Idle, previous.Idle));
            double own = current.Own - Math.Min(current.Own, previous.Own);
            double load = Math.Max(0, busy - own) / total;
            LastLoad = load;
            if (load < _threshold)
            {
                _idleSince ??= now;
            }
            else
            {
                _idleSince = null;
            }
        }

        _previous = current;
        return _idleSince is DateTimeOffset since && now - since >= _minimum;
    }
}
