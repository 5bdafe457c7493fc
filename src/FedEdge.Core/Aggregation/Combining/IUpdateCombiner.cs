namespace FedEdge.Core.Aggregation.Combining;

/// <summary>
/// Turns K weighted deltas into one "centre" vector, coordinate by coordinate. Strategies decide the weights
/// and the step size; the combiner decides how the deltas are pooled, so robust statistics replace the
/// weighted mean without touching any strategy.
/// </summary>
public interface IUpdateCombiner
{
    /// <summary>A short name for reports.</summary>
    string Name { get; }

    /// <summary>
    /// destination ← centre of <paramref name="deltas"/>. The deltas come in the strategy's canonical order and
    /// all have destination's length; <paramref name="weights"/> are ≥ 0 and sum to 1.
    /// Must be deterministic: the same inputs give the same bits.
    /// </summary>
    void Combine(IReadOnlyList<float[]> deltas, ReadOnlySpan<double> weights, Span<float> destination);
}
