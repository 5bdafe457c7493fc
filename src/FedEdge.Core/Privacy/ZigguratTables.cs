namespace FedEdge.Core.Privacy;

/// <summary>
/// Layer boundaries of the 256-layer normal ziggurat (Marsaglia &amp; Tsang 2000; Doornik 2005).
/// Computed once from r and v and never written again. 256 layers (was 128): a 32-bit word still holds the
/// 8 layer bits and the 24-bit uniform of a float32 draw, and half as many draws miss their rectangle and take
/// the slow exact path (1.5 % instead of 2.7 %, counted on 2,410-coordinate fills).
/// </summary>
internal static class ZigguratTables
{
    /// <summary>Number of layers (a power of two: the layer index is the low bits of a random word).</summary>
    public const int Layers = 256;

    /// <summary>Start of the tail, r: the x where the base layer's rectangle ends (Marsaglia &amp; Tsang 2000, n = 256).</summary>
    public const double R = 3.6541528853610088;

    /// <summary>
    /// Area of every layer, v = r·f(r) + √(π/2)·erfc(r/√2) for the unnormalised density f(x) = exp(−x²/2)
    /// (Marsaglia &amp; Tsang's 4.92867323399e-3 for n = 256, here to double precision).
    /// </summary>
    private const double V = 4.928673233974658e-3;

    private static readonly double[] XValues = BuildX();
    private static readonly double[] RatioValues = BuildRatio(XValues);
    private static readonly int[] RatioThresholds24 = BuildThresholds24(RatioValues);
    private static readonly double[] XOver24Values = BuildXOver24(XValues);
    private static readonly double[] DensityValues = BuildDensity(XValues);


    /// <summary>x[0] = v/f(r) (the base layer's virtual width), x[1] = r, …, x[256] = 0; each layer has area v.</summary>
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

    /// <summary>f(x[i]) = exp(−x[i]²/2) at every boundary (f(x[256]) = 1): the wedge test's layer heights, one exp fewer per wedge draw.</summary>
    public static ReadOnlySpan<double> Density => DensityValues;

    private static double[] BuildDensity(double[] x)
    {
        double[] density = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            density[i] = Math.Exp(-0.5 * x[i] * x[i]);
        }

        return density;
    }

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
