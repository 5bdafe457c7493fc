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

        // Each coordinate's K values are sorted as 64-bit keys: the value's bits mapped to a signed integer in the float
        // order (−0 as +0, NaN first, as float.CompareTo orders them) above the update's position in weight order, so a
        // primitive sort of K longs gives CompareTo's (value, weight) order without a comparison delegate (which cost ≈ 1 µs
        // per coordinate, 2.7 ms of a step of 2,410). Equal keys are equal (value, weight) pairs, so the survivors and the
        // order they are summed in are the same as any sort by (value, weight): the result is the same bit for bit.
        int[] byWeight = new int[k];
        for (int i = 0; i < k; i++)
        {
            byWeight[i] = i;
        }

        double[] weightOf = weights.ToArray();
        Array.Sort(weightOf, byWeight);
        var sorted = new float[k][];
        for (int p = 0; p < k; p++)
        {
            sorted[p] = deltas[byWeight[p]];
        }

        Span<long> column = k <= 128 ? stackalloc long[k] : new long[k];
        for (int j = 0; j < destination.Length; j++)
        {
            for (int p = 0; p < k; p++)
            {
                column[p] = ((long)OrderedBits(sorted[p][j]) << 32) | (uint)p;
            }

            column.Sort();
            double sum = 0.0, weight = 0.0, plain = 0.0;
            for (int i = b; i < k - b; i++)
            {
                int p = (int)(uint)column[i];
                float value = sorted[p][j];
                sum += weightOf[p] * value;
                weight += weightOf[p];
                plain += value;
            }

            // survivors that all weigh 0 (a degenerate weighting) fall back to their plain mean
            destination[j] = (float)(weight > 0.0 ? sum / weight : plain / (k - (2 * b)));
        }
    }

    /// <summary>A signed integer in <see cref="float.CompareTo(float)"/>'s order: NaN lowest, −0 equal to +0.</summary>
    private static int OrderedBits(float value)
    {
        if (float.IsNaN(value))
        {
            return int.MinValue;
        }

        int bits = BitConverter.SingleToInt32Bits(value + 0f);
        return bits ^ ((bits >> 31) & int.MaxValue);
    }
}
