using System.Globalization;

namespace FedEdge.Core.Aggregation.Combining;

/// <summary>
/// Coordinate-wise β-trimmed mean (Yin et al. 2018, Def. 2): for each coordinate drop the ⌊βK⌋ smallest and
/// ⌊βK⌋ largest of the K values and average the rest (in float64). Unweighted, like the median. If trimming
/// would leave nothing, the middle value(s) are kept, so the result is always within [min, max].
/// </summary>
public sealed class TrimmedMeanCombiner : IUpdateCombiner
{
    /// <summary>Creates the combiner.</summary>
    /// <param name="trimFraction">β ∈ [0, 0.5): the fraction trimmed at each end.</param>
    /// <exception cref="ArgumentOutOfRangeException">β outside [0, 0.5).</exception>
    public TrimmedMeanCombiner(double trimFraction)
    {
        if (!(trimFraction >= 0.0 && trimFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(trimFraction), trimFraction, "The trim fraction β must lie in [0, 0.5).");
        }

        TrimFraction = trimFraction;
    }

    /// <summary>β, the fraction trimmed at each end.</summary>
    public double TrimFraction { get; }

    /// <inheritdoc/>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"trimmed-mean({TrimFraction})");

    /// <summary>How many values are dropped at each end for K updates.</summary>
    public int TrimCount(int k)
    {
        int b = (int)Math.Floor(TrimFraction * k);
        return Math.Min(b, (k - 1) / 2);
    }

    /// <inheritdoc/>
    public void Combine(IReadOnlyList<float[]> deltas, ReadOnlySpan<double> weights, Span<float> destination)
    {
        CombinerArguments.Check(deltas, weights, destination);
        int k = deltas.Count;
        int b = TrimCount(k);
        Span<float> column = k <= 256 ? stackalloc float[k] : new float[k];
        for (int j = 0; j < destination.Length; j++)
        {
            for (int i = 0; i < k; i++)
            {
                column[i] = deltas[i][j];
            }

            column.Sort();
            double sum = 0.0;
            for (int i = b; i < k - b; i++)
            {
                sum += column[i];
            }

            destination[j] = (float)(sum / (k - (2 * b)));
        }
    }
}
