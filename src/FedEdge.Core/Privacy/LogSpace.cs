namespace FedEdge.Core.Privacy;

/// <summary>Arithmetic on numbers stored as their natural logarithms, so that RDP terms like e^{700} never overflow.</summary>
internal static class LogSpace
{
    /// <summary>log(e^a + e^b) without overflow.</summary>
    public static double Add(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        double max = Math.Max(a, b);
        return max + Log1P(Math.Exp(-Math.Abs(a - b)));
    }

    /// <summary>log(e^a − e^b) for a ≥ b; −∞ when they are equal.</summary>
    public static double Subtract(double a, double b)
    {
        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        if (b > a)
        {
            throw new ArgumentException("log-space subtraction needs a ≥ b (the result would be negative).", nameof(b));
        }

        return b == a ? double.NegativeInfinity : a + Log1P(-Math.Exp(b - a));
    }

    /// <summary>
    /// log(1 + x), accurate for tiny x (Goldberg 1991, "What every computer scientist should know
    /// about floating-point arithmetic", Thm. 4): the rounding error of 1 + x cancels in log(u)·x/(u − 1).
    /// </summary>
    public static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }

        return Math.Log(u) * x / (u - 1.0);
    }
}
