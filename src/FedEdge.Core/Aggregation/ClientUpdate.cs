using FedEdge.Core.Codecs;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// One accepted, already decoded client contribution: a plain, serializable record the aggregator service
/// owns (it persists the buffer of these in SQLite and passes it back to the strategy after a crash).
/// </summary>
/// <param name="UpdateId">Unique id of the update (the service rejects duplicates); with <paramref name="DeviceId"/> it fixes the canonical summation order.</param>
/// <param name="DeviceId">The device that trained it.</param>
/// <param name="BaseVersion">The global model version the device started from.</param>
/// <param name="Delta">
/// Δ = local − global. Over the whole layout (length = layout.TotalLength) when <paramref name="Subset"/> is null,
/// otherwise the values at the subset's indices (length = subset.Count), in index order.
/// </param>
/// <param name="SampleCount">Number of local training examples (FedAvg weights by it).</param>
/// <param name="Subset">The FTTE index set the device trained, or null for a dense update.</param>
/// <param name="ReportedNorm">‖Δ‖₂ as the client reported it (before its own clipping), if it did; informational.</param>
public sealed record ClientUpdate(
    string UpdateId,
    string DeviceId,
    long BaseVersion,
    float[] Delta,
    int SampleCount,
    ParameterSubset? Subset = null,
    double? ReportedNorm = null);
