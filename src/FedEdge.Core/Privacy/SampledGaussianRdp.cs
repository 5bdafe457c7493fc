namespace FedEdge.Core.Privacy;

/// <summary>
/// Rényi DP of one step of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar, Zhang 2019,
/// "Rényi Differential Privacy of the Sampled Gaussian Mechanism", hereafter MTZ19).
/// RDP_α = log(A_α)/(α − 1) with A_α = E_{z∼μ0}[(μ(z)/μ0(z))^α], μ0 = N(0, σ²), μ1 = N(1, σ²),
/// μ = (1 − q)μ0 + qμ1 (MTZ19, Thm. 4 and Sec. 3). Everything is computed in log space.
/// </summary>
internal static class SampledGaussianRdp
{
    /// <summary>Relative size (in log units) below which further series terms are ignored: e^{−40} ≈ 4e−18.</summary>
    private const double NegligibleLogRatio = 40.0;

    /// <summary>Hard cap on series terms for fractional orders; the tail is alternating, so stopping is safe.</summary>
    private const int MaxFractionalTerms = 2_000_000;

    /// <summary>RDP at order α of one step.</summary>
    public static double Rdp(double q, double sigma, double alpha)
    {
        if (q == 0.0)
        {
            return 0.0;
        }

        if (q == 1.0)
        {
            // Plain Gaussian mechanism with sensitivity 1: RDP_α = α/(2σ²) (Mironov 2017, Prop. 7).
            return alpha / (2.0 * sigma * sigma);
        }

        double logA = alpha == Math.Floor(alpha) && alpha <= int.MaxValue
            ? LogAIntegerOrder(q, sigma, (int)alpha)
            : LogAFractionalOrder(q, sigma, alpha);

        // A_α ≥ 1 mathematically (Jensen); tiny negative logs are rounding.
        return Math.Max(logA, 0.0) / (alpha - 1.0);
    }

    /// <summary>
    /// MTZ19 Sec. 3.2: for integer α, A_α = Σ_{k=0}^{α} C(α,k) (1−q)^{α−k} q^k exp((k² − k)/(2σ²)),
    /// summed as a log-sum-exp.
    /// </summary>
    internal static double LogAIntegerOrder(double q, double sigma, int alpha)
    {
        double logQ = Math.Log(q);
        double log1MinusQ = LogSpace.Log1P(-q);
        double twoSigmaSquared = 2.0 * sigma * sigma;

        // Two passes (max, then sum of exp(term − max)) instead of pairwise log-adds: one exp per term.
        double max = double.NegativeInfinity;
        double logBinomial = 0.0;
        for (int k = 0; k <= alpha; k++)
        {
            if (k > 0)
            {
                logBinomial += Math.Log((double)(alpha - k + 1) / k);
            }

            max = Math.Max(max, Term(k, logBinomial));
        }

        double sum = 0.0;
        logBinomial = 0.0;
        for (int k = 0; k <= alpha; k++)
        {
            if (k > 0)
            {
                logBinomial += Math.Log((double)(alpha - k + 1) / k);
            }

            sum += Math.Exp(Term(k, logBinomial) - max);
        }

        return max + Math.Log(sum);

        double Term(int k, double logC) =>
            logC + k * logQ + (alpha - k) * log1MinusQ + ((double)k * k - k) / twoSigmaSquared;
    }

    /// <summary>
    /// MTZ19 Sec. 3.3: for real α, split the integral at z0 = σ² log(1/q − 1) + 1/2, where
    /// (1−q)μ0 = qμ1, and expand each side as a convergent generalised binomial series:
    /// A_α = Σ_k C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2σ²)) · ½erfc((k − z0)/(√2σ))            (z ≤ z0)
    ///     + Σ_k C(α,k) q^{α−k} (1−q)^k exp((j²−j)/(2σ²)) · ½erfc((z0 − j)/(√2σ)), j = α − k  (z &gt; z0).
    /// C(α,k) changes sign for k &gt; α, so positive and negative parts are accumulated separately.
    /// Valid for integer α too (the terms with k &gt; α vanish), which the tests use as a cross-check.
    /// </summary>
    internal static double LogAFractionalOrder(double q, double sigma, double alpha)
    {
        double logQ = Math.Log(q);
        double log1MinusQ = LogSpace.Log1P(-q);
        double sigmaSquared = sigma * sigma;
        double z0 = sigmaSquared * (log1MinusQ - logQ) + 0.5;
        double sqrt2Sigma = Math.Sqrt(2.0) * sigma;
        double logHalf = -Math.Log(2.0);

        double logPositive = double.NegativeInfinity;
        double logNegative = double.NegativeInfinity;
        double logBinomial = 0.0;
        int sign = 1;
        for (int k = 0; k < MaxFractionalTerms; k++)
        {
            if (k > 0)
            {
                double factor = (alpha - k + 1) / k;
                if (factor == 0.0)
                {
                    break; // integer α: every further coefficient is zero
                }

                logBinomial += Math.Log(Math.Abs(factor));
                if (factor < 0)
                {
                    sign = -sign;
                }
            }

            double j = alpha - k;
            double logS0 = logBinomial + k * logQ + j * log1MinusQ + ((double)k * k - k) / (2.0 * sigmaSquared)
                + logHalf + ErrorFunction.LogErfc((k - z0) / sqrt2Sigma);
            double logS1 = logBinomial + j * logQ + k * log1MinusQ + (j * j - j) / (2.0 * sigmaSquared)
                + logHalf + ErrorFunction.LogErfc((z0 - j) / sqrt2Sigma);
            double logTerm = LogSpace.Add(logS0, logS1);
            if (sign > 0)
            {
                logPositive = LogSpace.Add(logPositive, logTerm);
            }
            else
            {
                logNegative = LogSpace.Add(logNegative, logTerm);
            }

            if (k > alpha + 1 && logTerm < logPositive - NegligibleLogRatio)
            {
                break;
            }
        }

        return logNegative >= logPositive ? 0.0 : LogSpace.Subtract(logPositive, logNegative);
    }
}
