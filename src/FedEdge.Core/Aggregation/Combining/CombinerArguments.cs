using System.Globalization;

namespace FedEdge.Core.Aggregation.Combining;

/// <summary>Argument checks shared by the combiners.</summary>
internal static class CombinerArguments
{
    public static void Check(IReadOnlyList<float[]> deltas, ReadOnlySpan<double> weights, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0)
        {
            throw new ArgumentException("At least one delta is needed.", nameof(deltas));
        }

        if (weights.Length != deltas.Count)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{weights.Length} weights for {deltas.Count} deltas."), nameof(weights));
        }

        for (int i = 0; i < deltas.Count; i++)
        {
            if (deltas[i].Length != destination.Length)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Delta {i} has {deltas[i].Length} elements, the destination {destination.Length}."), nameof(deltas));
            }
        }
    }
}
