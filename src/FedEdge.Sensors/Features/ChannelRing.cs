namespace FedEdge.Sensors.Features;

/// <summary>A fixed-capacity ring of (time, value) pairs, oldest first; allocates only at construction.</summary>
internal sealed class ChannelRing
{
    private readonly long[] _ticks;
    private readonly double[] _values;
    private int _start;

    public ChannelRing(int capacity)
    {
        _ticks = new long[capacity];
        _values = new double[capacity];
    }

    public int Count { get; private set; }

    public long NewestTicks => Count == 0 ? long.MinValue : _ticks[Index(Count - 1)];

    public void Add(long ticks, double value)
    {
        if (Count == _ticks.Length)
        {
            _start = Index(1);
            Count--;
        }

        int i = Index(Count);
        _ticks[i] = ticks;
        _values[i] = value;
        Count++;
    }

    /// <summary>Drops readings at or before <paramref name="cutoffTicks"/>.</summary>
    public void EvictUpTo(long cutoffTicks)
    {
        while (Count > 0 && _ticks[_start] <= cutoffTicks)
        {
            _start = Index(1);
            Count--;
        }
    }

    public long TicksAt(int i) => _ticks[Index(i)];

    /// <summary>Copies the readings, oldest first: times as seconds after <paramref name="originTicks"/>.</summary>
    public void CopyTo(long originTicks, Span<double> seconds, Span<double> values)
    {
        for (int i = 0; i < Count; i++)
        {
            int j = Index(i);
            seconds[i] = (_ticks[j] - originTicks) / (double)TimeSpan.TicksPerSecond;
            values[i] = _values[j];
        }
    }

    private int Index(int offset)
    {
        int i = _start + offset;
        return i >= _ticks.Length ? i - _ticks.Length : i;
    }
}
