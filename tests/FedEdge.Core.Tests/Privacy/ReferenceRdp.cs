namespace FedEdge.Core.Tests.Privacy;

/// <summary>
/// Independent reference values for the sampled Gaussian's A_α (Mironov, Talwar, Zhang 2019, Sec. 3),
/// deliberately computed by other algorithms than the product code: a plain float64 sum of the binomial
/// expansion (no log space), and direct numerical integration of E_{z∼μ0}[(μ(z)/μ0(z))^α].
/// </summary>
internal static class ReferenceRdp
{
    /// <summary>
    /// RDP_α for integer α by the straight sum A_α = Σ C(α,k)(1−q)^{α−k} q^k exp((k²−k)/(2σ²)) in double.
    /// The caller keeps (α²−α)/(2σ²) &lt; 700 so nothing overflows.
    /// </summary>
    public static double IntegerOrderBySum(double q, double sigma, int alpha)
    {
        double a = 0.0;
        double binomial = 1.0;
        for (int k = 0; k <= alpha; k++)
        {
            if (k > 0)
            {
                binomial = binomial * (alpha - k + 1) / k;
            }

            a += binomial * Math.Pow(1 - q, alpha - k) * Math.Pow(q, k) * Math.Exp(((double)k * k - k) / (2 * sigma * sigma));
        }

        return Math.Log(a) / (alpha - 1);
    }

    /// <summary>
    /// RDP_α for any real α &gt; 1 by composite Simpson integration of μ0(z)·((1−q) + q·exp((2z−1)/(2σ²)))^α
    /// over [−20σ, α + 20σ] with step σ/100: every component N(k, σ²), 0 ≤ k ≤ α, of the integrand lies well
    /// inside, and the tails beyond 20σ are below e^{−200}.
    /// </summary>
    public static double ByIntegration(double q, double sigma, double alpha)
    {
        double lo = -20 * sigma;
        double hi = alpha + (20 * sigma);
        double h = sigma / 100;
        int n = (int)Math.Ceiling((hi - lo) / h);
        if (n % 2 == 1)
        {
            n++;
        }

        h = (hi - lo) / n;
        double sum = 0.0;
        for (int i = 0; i <= n; i++)
        {
            double weight = i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2);
            sum += weight * Integrand(lo + (i * h));
        }

        return Math.Log(sum * h / 3) / (alpha - 1);

        double Integrand(double z)
        {
            double logDensity0 = (-z * z / (2 * sigma * sigma)) - (0.5 * Math.Log(2 * Math.PI * sigma * sigma));
            double t = (2 * z - 1) / (2 * sigma * sigma); // log μ1(z)/μ0(z)
            double logMixtureRatio = t > 0
                ? t + Math.Log(q + ((1 - q) * Math.Exp(-t)))
                : Math.Log((1 - q) + (q * Math.Exp(t)));
            return Math.Exp(logDensity0 + (alpha * logMixtureRatio));
        }
    }
}
