namespace FedEdge.Core.Codecs;

/// <summary>
/// Unbiased stochastic rounding to the integer grid, shared by the int8 and the packed low-bit codecs (QSGD-style,
/// Alistarh et al. 2017 §3.1): y = x/s, q = ⌊y + u⌋ with u ~ U[0, 1), so P(q = ⌊y⌋ + 1) = y − ⌊y⌋ and E[q] = y.
/// </summary>
internal static class StochasticRounding
{
    private const double UnitFromTop53Bits = 1.0 / (1UL << 53);

    /// <summary>
    /// The scale for a tensor whose largest magnitude is <paramref name="maxMagnitude"/> with <paramref name="levels"/> levels per
    /// sign: max/levels, nudged up by ulps until max/s ≤ levels in the same double division used to quantise, so the clamp
    /// only ever catches y + u rounding up in its last double ulp.
    /// </summary>
    public static float ScaleFor(float maxMagnitude, int levels)
    {
        if (!float.IsFinite(maxMagnitude) || maxMagnitude < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMagnitude), maxMagnitude, "The largest magnitude must be finite and non-negative.");
        }

        float scale = maxMagnitude / levels;
        while (maxMagnitude / (double)scale > levels)
        {
            scale = MathF.BitIncrement(scale);
        }

        return scale;
    }

    /// <summary>
    /// The levels of <paramref name="x"/> at <paramref name="scale"/>, clamped to ±<paramref name="levels"/>, written to
    /// <paramref name="sink"/> (index, level). One 64-bit seed per tensor from <paramref name="random"/> drives a SplitMix64
    /// stream (Steele, Lea &amp; Flood 2014): a seeded System.Random costs ~80 ns per element through NextBytes, this ~1 ns,
    /// and stays reproducible from the seed.
    /// </summary>
    public static void Quantise<TSink>(ReadOnlySpan<float> x, float scale, int levels, Random random, ref TSink sink)
        where TSink : struct, ILevelSink, allows ref struct
    {
        double s = scale;
        ulong state = (ulong)random.NextInt64(long.MinValue, long.MaxValue);
        for (int i = 0; i < x.Length; i++)
        {
            state += 0x9E3779B97F4A7C15;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;

            // u uniform on the 2^53-point grid of [0,1), as Random.NextDouble builds it.
            double u = (z >> 11) * UnitFromTop53Bits;
            double level = Math.Floor((x[i] / s) + u);
            sink.Write(i, (int)Math.Clamp(level, -levels, levels));
        }
    }

    /// <summary>Where quantised levels go (a struct, so the per-element call inlines).</summary>
    internal interface ILevelSink
    {
        /// <summary>Stores level <paramref name="level"/> of element <paramref name="index"/>.</summary>
        void Write(int index, int level);
    }
}
