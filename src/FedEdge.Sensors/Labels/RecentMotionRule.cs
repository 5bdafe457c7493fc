using System.Diagnostics.CodeAnalysis;

namespace FedEdge.Sensors.Labels;

/// <summary>
/// Derives an occupancy label for the environmental features from the PIR sensor: a window is
/// "occupied" when at least <see cref="RecentMotionRuleOptions.MinimumActiveReadings"/> PIR reads
/// in (end − Lookback, end] saw motion, "vacant" when the PIR was read in that span but saw less,
/// and unlabelled when the PIR was not read at all (a dead sensor must not teach "vacant").
/// Thread-safe.
/// </summary>
public sealed class RecentMotionRule : ILabelSource
{
    private readonly Lock _gate = new();
    private readonly RecentMotionRuleOptions _options;
    private readonly long[] _ticks;
    private readonly bool[] _active;
    private int _start;
    private int _count;

    /// <summary>Creates the rule; the options are validated here.</summary>
    public RecentMotionRule(RecentMotionRuleOptions? options = null)
    {
        _options = options ?? new RecentMotionRuleOptions();
        _options.Validate();
        _ticks = new long[_options.Capacity];
        _active = new bool[_options.Capacity];
    }

    /// <summary>Records one PIR read: motion events per minute (see <see cref="Hardware.PirMotionAdapter"/>).</summary>
    public void Record(DateTimeOffset time, double motionPerMinute)
    {
        lock (_gate)
        {
            if (_count == _ticks.Length)
            {
                _start = (_start + 1) % _ticks.Length;
                _count--;
            }

            int i = (_start + _count) % _ticks.Length;
            _ticks[i] = time.UtcTicks;
            _active[i] = motionPerMinute > 0;
            _count++;
        }
    }

    /// <inheritdoc />
    public bool TryGetLabel(DateTimeOffset windowStart, DateTimeOffset windowEnd, [NotNullWhen(true)] out string? label)
    {
        long end = windowEnd.UtcTicks;
        long from = end - _options.Lookback.Ticks;
        int reads = 0, active = 0;
        lock (_gate)
        {
            for (int k = 0; k < _count; k++)
            {
                int i = (_start + k) % _ticks.Length;
                if (_ticks[i] > from && _ticks[i] <= end)
                {
                    reads++;
                    active += _active[i] ? 1 : 0;
                }
            }
        }

        label = reads == 0 ? null : active >= _options.MinimumActiveReadings ? _options.OccupiedLabel : _options.VacantLabel;
        return label is not null;
    }
}
