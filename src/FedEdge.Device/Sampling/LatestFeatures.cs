namespace FedEdge.Device.Sampling;

/// <summary>
/// The newest finished window's 14 features (physical units), labelled or not: the sampling loop
/// writes it, the agent's prediction reads it. Thread-safe (the two run on different services).
/// </summary>
public sealed class LatestFeatures
{
    private readonly Lock _gate = new();
    private float[]? _features;
    private DateTimeOffset _time;

    /// <summary>Replaces the newest window.</summary>
    public void Set(ReadOnlySpan<float> features, DateTimeOffset windowEnd)
    {
        lock (_gate)
        {
            _features = features.ToArray();
            _time = windowEnd;
        }
    }

    /// <summary>A copy of the newest window and when it ended; false before the first window closed.</summary>
    public bool TryGet(out float[] features, out DateTimeOffset windowEnd)
    {
        lock (_gate)
        {
            features = _features is null ? [] : (float[])_features.Clone();
            windowEnd = _time;
            return _features is not null;
        }
    }
}
