namespace FedEdge.Core.Aggregation.Combining;

/// <summary>
/// Coordinate-wise median (Yin, Chen, Ramchandran, Bartlett 2018, "Byzantine-Robust Distributed Learning:
/// Towards Optimal Statistical Rates", Def. 1): for each coordinate the median of the K values, the mean of
/// the two middle ones when K is even. Unweighted, as in the paper: the weights are ignored, which is what
/// gives the 50 % breakdown point (a weighted median would let one heavily weighted update dominate).
/// </summary>
public sealed class CoordinateMedianCombiner : IUpdateCombiner
{
    /// <inheritdoc/>
    public string Name => "coordinate-median";

    /// <inheritdoc/>
    public void Combine(IReadOnlyList<float[]> deltas, ReadOnlySpan<double> weights, Span<float> destination)
    {
        CombinerArguments.Check(deltas, weights, destination);
        Median(deltas, destination);
    }

    /// <summary>The coordinate-wise median of <paramref name="deltas"/> into <paramref name="destination"/>.</summary>
    internal static void Median(IReadOnlyList<float[]> deltas, Span<float> destination)
    {
        int k = deltas.Count;
        Span<float> column = k <= 256 ? stackalloc float[k] : new float[k];
        for (int j = 0; j < destination.Length; j++)
        {
            for (int i = 0; i < k; i++)
            {
                column[i] = deltas[i][j];
            }

            column.Sort();
            destination[j] = (k & 1) == 1
                ? column[k / 2]
                : (float)((column[(k / 2) - 1] + (double)column[k / 2]) / 2.0);
        }
    }
}
