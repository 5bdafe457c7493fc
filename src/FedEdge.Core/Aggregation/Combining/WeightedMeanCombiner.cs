using System.Numerics.Tensors;

namespace FedEdge.Core.Aggregation.Combining;

/// <summary>
/// Σ_i p_i Δ_i, accumulated in float32 in the given (canonical) order with one fused multiply-add pass per
/// update — the standard FedAvg/FedBuff pooling.
/// </summary>
public sealed class WeightedMeanCombiner : IUpdateCombiner
{
    /// <summary>The shared instance (stateless).</summary>
    public static WeightedMeanCombiner Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "weighted-mean";

    /// <inheritdoc/>
    public void Combine(IReadOnlyList<float[]> deltas, ReadOnlySpan<double> weights, Span<float> destination)
    {
        CombinerArguments.Check(deltas, weights, destination);
        destination.Clear();
        for (int i = 0; i < deltas.Count; i++)
        {
            TensorPrimitives.MultiplyAdd(deltas[i], (float)weights[i], destination, destination);
        }
    }
}
