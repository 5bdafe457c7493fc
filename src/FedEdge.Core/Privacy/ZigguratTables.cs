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


    /// <summary>x[0] = v/f(r) (the base layer's virtual width), x[1] = r, …, x[128] = 0; each layer has area v.</summary>
    public static ReadOnlySpan<double> X => XValues;

    /// <summary>x[i+1]/x[i]: the share of layer i that lies under the density (the fast-accept bound).</summary>
    public static ReadOnlySpan<double> Ratio => RatioValues;

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
