namespace FedEdge.Core.Privacy;

/// <summary>
/// Layer boundaries of the 128-layer normal ziggurat (Marsaglia &amp; Tsang 2000; Doornik 2005).
/// Computed once from r and v and never written again.
/// </summary>
internal static class ZigguratTables
{
    /// <summary>Number of layers (a power of two: the layer index is the low bits of a random word).</summary>
    public const int Layers = 128;

    /// <summary>Start of the tail, r: the x where the base layer's rectangle ends (Marsaglia &amp; Tsang 2000, Table 1, n = 128).</summary>
    public const double R = 3.442619855899;

    /// <summary>Area of every layer, v, for the unnormalised density f(x) = exp(−x²/2).</summary>
    private const double V = 9.91256303526217e-3;

    private static readonly double[] XValues = BuildX();
    private static readonly double[] RatioValues = BuildRatio(XValues);
    private static readonly int[] RatioThresholds24 = BuildThresholds24(RatioValues);
    private static readonly double[] XOver24Values = BuildXOver24(XValues);


    /// <summary>x[0] = v/f(r) (the base layer's virtual width), x[1] = r, …, x[128] = 0; each layer has area v.</summary>
    public static ReadOnlySpan<double> X => XValues;

    /// <summary>x[i+1]/x[i]: the share of layer i that lies under the density (the fast-accept bound).</summary>
    public static ReadOnlySpan<double> Ratio => RatioValues;

    /// <summary>
    /// The fast-accept bound on the 24-bit path in integers: with a draw's odd integer s ∈ (−2²⁴, 2²⁴) and
    /// u = s·2⁻²⁴ (exact), |u| &lt; ratio[i] ⇔ |s| &lt; ratio[i]·2²⁴ (an exact power-of-two scaling) ⇔
    /// |s| &lt; ⌈ratio[i]·2²⁴⌉ for an integer |s|, so the test is one integer compare, decided exactly as in double.
    /// </summary>
    public static ReadOnlySpan<int> Thresholds24 => RatioThresholds24;

    /// <summary>x[i]·2⁻²⁴ (exact): s·(x[i]·2⁻²⁴) rounds the same real number as u·x[i], so the product is bit-identical.</summary>
    public static ReadOnlySpan<double> XOver24 => XOver24Values;

    private static int[] BuildThresholds24(double[] ratio)
    {
        int[] thresholds = new int[Layers];
        for (int i = 0; i < Layers; i++)
        {
            thresholds[i] = (int)Math.Ceiling(ratio[i] * (1 << 24));
        }

        return thresholds;
    }

    private static double[] BuildXOver24(double[] x)
    {
        double[] scaled = new double[Layers];
        for (int i = 0; i < Layers; i++)
        {
            scaled[i] = x[i] * (1.0 / (1 << 24));
        }

        return scaled;
    }

    private static double[] BuildX()
    {
        double[] x = new double[Layers + 1];
        double f = Math.Exp(-0.5 * R * R);
        x[0] = V / f;
        x[1] = R;
        for (int i = 2; i < Layers; i++)
        {
            // each layer has area v: x[i]·(f(x[i]) − f(x[i−1])) = v  ⇒  f(x[i]) = v/x[i−1] + f(x[i−1])
            x[i] = Math.Sqrt(-2.0 * Math.Log((V / x[i - 1]) + f));
            f = Math.Exp(-0.5 * x[i] * x[i]);
        }

        x[Layers] = 0.0;
        return x;
    }

    private static double[] BuildRatio(double[] x)
    {
        double[] ratio = new double[Layers];
        for (int i = 0; i < Layers; i++)
        {
            ratio[i] = x[i + 1] / x[i];
        }

        return ratio;
    }
}
