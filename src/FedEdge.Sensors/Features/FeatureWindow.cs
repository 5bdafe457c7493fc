using FedEdge.Sensors.Hardware;

namespace FedEdge.Sensors.Features;

/// <summary>
/// A sliding time window over named channels: each channel keeps its own bounded ring of
/// timestamped readings (sensors need not share a clock tick or rate), and the window summarises
/// the readings in (now − Length, now] into features. Buffers are allocated once, at construction;
/// adding and summarising allocate nothing. Not thread-safe: one sampling loop owns a window.
/// </summary>
public sealed class FeatureWindow
{
    /// <summary>Features per channel in <see cref="TryWriteFeatures"/>: mean, std, min, max, slope per second.</summary>
    public const int FeaturesPerChannel = 5;

    private readonly string[] _channels;
    private readonly ChannelRing[] _rings;
    private readonly long _lengthTicks;
    private readonly double[] _seconds;
    private readonly double[] _values;
    private readonly double[] _magnitudes;

    /// <summary>Creates a window over <paramref name="channels"/> (distinct names).</summary>
    public FeatureWindow(IReadOnlyList<string> channels, FeatureWindowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        options ??= new FeatureWindowOptions();
        options.Validate();
        if (channels.Count == 0)
        {
            throw new ArgumentException("A window needs at least one channel.", nameof(channels));
        }

        if (channels.Distinct(StringComparer.Ordinal).Count() != channels.Count)
        {
            throw new ArgumentException("Channel names must be distinct: " + string.Join(", ", channels), nameof(channels));
        }

        _channels = [.. channels];
        Channels = Array.AsReadOnly(_channels);
        int capacity = options.CapacityPerChannel;
        _rings = new ChannelRing[_channels.Length];
        for (int i = 0; i < _rings.Length; i++)
        {
            _rings[i] = new ChannelRing(capacity);
        }

        _lengthTicks = options.Length.Ticks;
        Length = options.Length;
        _seconds = new double[capacity];
        _values = new double[capacity];
        _magnitudes = new double[capacity];

    }

    /// <summary>Channel names, in feature order.</summary>
    public IReadOnlyList<string> Channels { get; }

    /// <summary>The window length.</summary>
    public TimeSpan Length { get; }

    /// <summary>Number of features <see cref="TryWriteFeatures"/> writes.</summary>
    public int FeatureCount => FeaturesPerChannel * _channels.Length;

    /// <summary>The index of <paramref name="channel"/>, or −1 when the window does not have it.</summary>
    public int IndexOf(string channel) => Array.IndexOf(_channels, channel);

    /// <summary>
    /// Adds one reading. Returns false (and ignores it) when it is older than the newest reading of
    /// that channel — a clock step backwards must not corrupt the window.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not finite.</exception>
    public bool Add(int channel, DateTimeOffset time, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Channel {_channels[channel]}: reading {value} is not finite.", nameof(value));
        }

        var ring = _rings[channel];
        long ticks = time.UtcTicks;
        if (ticks < ring.NewestTicks)
        {
            return false;
        }

        ring.Add(ticks, value);
        return true;
    }

    /// <summary>
    /// Adds every value of <paramref name="reading"/>: value i goes to window channel
    /// <paramref name="channelMap"/>[i], or nowhere when that entry is −1.
    /// </summary>
    public void Add(in SensorReading reading, ReadOnlySpan<int> channelMap)
    {
        int count = Math.Min(reading.Count, channelMap.Length);
        for (int i = 0; i < count; i++)
        {
            if (channelMap[i] >= 0)
            {
                Add(channelMap[i], reading.Timestamp, reading[i]);
            }
        }
    }

    /// <summary>A channel map for <see cref="Add(in SensorReading, ReadOnlySpan{int})"/>: adapter channel → window channel or −1.</summary>
    public int[] MapChannels(IReadOnlyList<string> adapterChannels)
    {
        ArgumentNullException.ThrowIfNull(adapterChannels);
        var map = new int[adapterChannels.Count];
        for (int i = 0; i < map.Length; i++)
        {
            map[i] = IndexOf(adapterChannels[i]);
        }

        return map;
    }

    /// <summary>Readings of <paramref name="channel"/> in (now − Length, now] after evicting older ones.</summary>
    public int CountAt(int channel, DateTimeOffset now)
    {
        var ring = _rings[channel];
        ring.EvictUpTo(now.UtcTicks - _lengthTicks);
        return ring.Count;
    }

    /// <summary>Summarises one channel; false when it has no reading in the window.</summary>
    public bool TrySummarize(int channel, DateTimeOffset now, out ChannelSummary summary)
    {
        int n = CountAt(channel, now);
        if (n == 0)
        {
            summary = default;
            return false;
        }

        var ring = _rings[channel];
        ring.CopyTo(ring.TicksAt(0), _seconds, _values);
        summary = WindowStatistics.Summarize(_seconds.AsSpan(0, n), _values.AsSpan(0, n));
        return true;
    }

    /// <summary>
    /// Summarises the magnitude of a 3-axis vector held in channels <paramref name="x"/>,
    /// <paramref name="y"/>, <paramref name="z"/> (added together from one reading, so equal times),
    /// with its spectral energy in [<paramref name="lowHz"/>, <paramref name="highHz"/>]. The sample
    /// rate is taken as uniform, (n − 1) / (t_last − t_first). False when the axes disagree in count
    /// or time, or fewer than two samples span a positive time.
    /// </summary>
    public bool TrySummarizeMagnitude(int x, int y, int z, DateTimeOffset now, double lowHz, double highHz, out MagnitudeSummary summary)
    {
        summary = default;
        int n = CountAt(x, now);
        if (n < 2 || CountAt(y, now) != n || CountAt(z, now) != n)
        {
            return false;
        }

        ChannelRing rx = _rings[x], ry = _rings[y], rz = _rings[z];
        for (int i = 0; i < n; i++)
        {
            if (rx.TicksAt(i) != ry.TicksAt(i) || rx.TicksAt(i) != rz.TicksAt(i))
            {
                return false;
            }
        }

        long origin = rx.TicksAt(0);
        double span = (rx.TicksAt(n - 1) - origin) / (double)TimeSpan.TicksPerSecond;
        if (!(span > 0))
        {
            return false;
        }

        var magnitudes = _magnitudes.AsSpan(0, n);
        var values = _values.AsSpan(0, n);
        var seconds = _seconds.AsSpan(0, n);
        rx.CopyTo(origin, seconds, magnitudes);
        System.Numerics.Tensors.TensorPrimitives.Multiply(magnitudes, magnitudes, magnitudes);
        foreach (var ring in (ReadOnlySpan<ChannelRing>)[ry, rz])
        {
            ring.CopyTo(origin, seconds, values);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(values, values, magnitudes, magnitudes);
        }

        System.Numerics.Tensors.TensorPrimitives.Sqrt(magnitudes, magnitudes);
        var stats = WindowStatistics.Summarize(seconds, magnitudes);
        double rate = (n - 1) / span;
        double power = SpectralEnergy.BandPower(magnitudes, rate, lowHz, highHz);
        summary = new MagnitudeSummary(n, stats.Mean, stats.StandardDeviation, power, rate);
        return true;
    }

    /// <summary>
    /// Writes mean, std, min, max and slope per second of every channel, in channel order, as
    /// float32. False (destination untouched past the failing channel) when a channel has no
    /// reading in the window.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="FeatureCount"/>.</exception>
    public bool TryWriteFeatures(DateTimeOffset now, Span<float> destination)
    {
        if (destination.Length < FeatureCount)
        {
            throw new ArgumentException($"Need {FeatureCount} floats, got {destination.Length}.", nameof(destination));
        }

        for (int c = 0; c < _channels.Length; c++)
        {
            if (!TrySummarize(c, now, out var s))
            {
                return false;
            }

            var slot = destination.Slice(c * FeaturesPerChannel, FeaturesPerChannel);
            slot[0] = (float)s.Mean;
            slot[1] = (float)s.StandardDeviation;
            slot[2] = (float)s.Min;
            slot[3] = (float)s.Max;
            slot[4] = (float)s.SlopePerSecond;
        }

        return true;
    }
}
