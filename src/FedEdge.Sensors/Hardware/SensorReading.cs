namespace FedEdge.Sensors.Hardware;

/// <summary>
/// One successful read of a sensor: a timestamp and up to <see cref="MaxChannels"/> values, in the
/// order and units of the adapter's <see cref="ISensorAdapter.Channels"/>. A value type with the
/// values inline so that polling allocates nothing.
/// </summary>
public readonly struct SensorReading : IEquatable<SensorReading>
{
    /// <summary>Most channels one sensor reports.</summary>
    public const int MaxChannels = 4;

    private readonly double _v0;
    private readonly double _v1;
    private readonly double _v2;
    private readonly double _v3;

    /// <summary>Creates a reading from <paramref name="values"/> (1 to <see cref="MaxChannels"/> values).</summary>
    public SensorReading(DateTimeOffset timestamp, ReadOnlySpan<double> values)
    {
        if (values.Length is < 1 or > MaxChannels)
        {
            throw new ArgumentOutOfRangeException(nameof(values), values.Length, $"A reading holds 1 to {MaxChannels} values.");
        }

        Timestamp = timestamp;
        Count = values.Length;
        _v0 = values[0];
        _v1 = values.Length > 1 ? values[1] : 0;
        _v2 = values.Length > 2 ? values[2] : 0;
        _v3 = values.Length > 3 ? values[3] : 0;
    }

    /// <summary>When the values were read (from the adapter's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Number of values.</summary>
    public int Count { get; }

    /// <summary>The value of channel <paramref name="channel"/>.</summary>
    public double this[int channel]
    {
        get
        {
            if ((uint)channel >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(channel), channel, $"The reading has {Count} channels.");
            }

            return channel switch
            {
                0 => _v0,
                1 => _v1,
                2 => _v2,
                _ => _v3,
            };
        }
    }

    /// <inheritdoc />
    public bool Equals(SensorReading other) =>
        Timestamp == other.Timestamp && Count == other.Count
        && _v0.Equals(other._v0) && _v1.Equals(other._v1) && _v2.Equals(other._v2) && _v3.Equals(other._v3);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SensorReading other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Timestamp, Count, _v0, _v1, _v2, _v3);

    /// <summary>Value equality.</summary>
    public static bool operator ==(SensorReading left, SensorReading right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(SensorReading left, SensorReading right) => !left.Equals(right);
}
