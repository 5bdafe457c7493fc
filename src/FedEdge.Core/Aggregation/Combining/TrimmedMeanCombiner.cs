using System.Globalization;

namespace FedEdge.Core.Aggregation.Combining;

/// <summary>
/// Coordinate-wise β-trimmed mean (Yin et al. 2018, Def. 2): for each coordinate drop the b = ⌊βK⌋ smallest and b largest
/// of the K values and average the rest (in float64). The survivors keep the strategy's weights, renormalised over them
/// (Σ_{kept} p_i v_i / Σ_{kept} p_i), so FedBuff's staleness and FTTE's dispersion weighting survive the trimming, and
/// with nothing to trim (K &lt; 1/β) the centre is the strategy's weighted mean bit for bit: the aggregator can run this
/// combiner by default without changing any small buffer's step. Ties are ordered by weight, so the result does not
/// depend on the order of the deltas. If trimming would leave nothing, the middle value(s) are kept, so the result is
/// always within [min, max].
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
        if (b == 0)
        {
            WeightedMeanCombiner.Instance.Combine(deltas, weights, destination);
            return;
        }

        Span<(float Value, double Weight)> column = k <= 128 ? stackalloc (float, double)[k] : new (float, double)[k];
        for (int j = 0; j < destination.Length; j++)
        {
            for (int i = 0; i < k; i++)
            {
                column[i] = (deltas[i][j], weights[i]);
            }

            column.Sort(static (x, y) => x.Value != y.Value ? x.Value.CompareTo(y.Value) : x.Weight.CompareTo(y.Weight));
            double sum = 0.0, weight = 0.0, plain = 0.0;
            for (int i = b; i < k - b; i++)
            {
                sum += column[i].Weight * column[i].Value;
                weight += column[i].Weight;
                plain += column[i].Value;
            }

            // survivors that all weigh 0 (a degenerate weighting) fall back to their plain mean
            destination[j] = (float)(weight > 0.0 ? sum / weight : plain / (k - (2 * b)));
        }
    }
}
