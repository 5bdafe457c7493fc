namespace FedEdge.Core.Privacy;

/// <summary>
/// The complementary error function and its logarithm (.NET has neither). Two classical expansions
/// (Abramowitz &amp; Stegun 7.1.6 and 7.1.14) cover the line without cancellation where it matters.
/// </summary>
internal static class ErrorFunction
{
    private const double Switch = 2.5;
    private static readonly double LogSqrtPi = 0.5 * Math.Log(Math.PI);

    /// <summary>erfc(x) = 1 − erf(x).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0)
        {
            return 2.0 - Erfc(-x);
        }

        return x < Switch ? 1.0 - ErfSeries(x) : Math.Exp(LogErfcContinuedFraction(x));
    }

    /// <summary>log erfc(x), finite for all finite x (erfc(40) underflows but its log does not).</summary>
    public static double LogErfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < Switch)
        {
            return Math.Log(Erfc(x));
        }

        return LogErfcContinuedFraction(x);
    }

    // A&S 7.1.6: erf x = (2/√π) e^{−x²} Σ 2ⁿ x^{2n+1} / (1·3···(2n+1)). All terms positive, so for
    // 0 ≤ x < 2.5 the sum is accurate to a few ulps and 1 − erf loses at most ~4 digits (erfc(2.5) ≈ 4e−4).
    private static double ErfSeries(double x)
    {
        double twoXSquared = 2.0 * x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 500; n++)
        {
            term *= twoXSquared / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return 2.0 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    // A&S 7.1.14 (Laplace's continued fraction): erfc x = (e^{−x²}/√π) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
    // evaluated by the modified Lentz method (Numerical Recipes 3rd ed., §5.2). Converges fast for x ≥ 2.5.
    private static double LogErfcContinuedFraction(double x)
    {
        const double Tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int n = 1; n < 5000; n++)
        {
            double a = 0.5 * n;
            d = x + a * d;
            if (d == 0)
            {
                d = Tiny;
            }

            c = x + a / c;
            if (c == 0)
            {
                c = Tiny;
            }

            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16)
            {
                break;
            }
        }

        return -x * x - LogSqrtPi - Math.Log(f);
    }
}
