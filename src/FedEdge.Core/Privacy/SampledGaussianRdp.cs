namespace FedEdge.Core.Privacy;

/// <summary>
/// Rényi DP of one step of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar, Zhang 2019,
/// "Rényi Differential Privacy of the Sampled Gaussian Mechanism", hereafter MTZ19).
/// RDP_α = log(A_α)/(α − 1) with A_α = E_{z∼μ0}[(μ(z)/μ0(z))^α], μ0 = N(0, σ²), μ1 = N(1, σ²),
/// μ = (1 − q)μ0 + qμ1 (MTZ19, Thm. 4 and Sec. 3). Everything is computed in log space.
/// </summary>
internal static class SampledGaussianRdp
{
    /// <summary>Hard cap on series terms for fractional orders; the tail is alternating, so stopping is safe.</summary>
    private const int MaxFractionalTerms = 2_000_000;

    /// <summary>Levels of Euler averaging on the alternating tail of the fractional-order series.</summary>
    private const int EulerLevels = 12;

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
    /// C(α,k) changes sign for k &gt; α: the head is summed in log space, the alternating tail with Euler acceleration.
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

        double LogTerm(int k, double logBinomial)
        {
            double j = alpha - k;
            double logS0 = logBinomial + k * logQ + j * log1MinusQ + ((double)k * k - k) / (2.0 * sigmaSquared)
                + logHalf + ErrorFunction.LogErfc((k - z0) / sqrt2Sigma);
            double logS1 = logBinomial + j * logQ + k * log1MinusQ + (j * j - j) / (2.0 * sigmaSquared)
                + logHalf + ErrorFunction.LogErfc((z0 - j) / sqrt2Sigma);
            return LogSpace.Add(logS0, logS1);
        }

        // Head, k ≤ ⌈α⌉ + 1: terms may be astronomically large (e^{(k²−k)/(2σ²)}), so sum in log space.
        double logPositive = double.NegativeInfinity;
        double logNegative = double.NegativeInfinity;
        double logC = 0.0;
        int sign = 1;
        int headEnd = (int)Math.Ceiling(alpha) + 1;
        int k = 0;
        for (; k <= headEnd; k++)
        {
            if (!NextCoefficient(alpha, k, ref logC, ref sign))
            {
                return LogSpace.Subtract(logPositive, logNegative); // integer α: the series is finite
            }

            double logTerm = LogTerm(k, logC);
            if (sign > 0)
            {
                logPositive = LogSpace.Add(logPositive, logTerm);
            }
            else
            {
                logNegative = LogSpace.Add(logNegative, logTerm);
            }
        }

        double logHead = LogSpace.Subtract(logPositive, logNegative);

        // Tail, k > ⌈α⌉ + 1: C(α,k) alternates in sign and |terms| decay only polynomially (~k^{−α−1}), so the
        // plain partial sums would need ~10⁵ terms at q ≈ 0.5. The Euler transform (Abramowitz & Stegun 3.6.27)
        // — the L-fold average of consecutive partial sums — gains a factor ~1/k per level for such smooth
        // alternating tails. Sums are kept relative to the head, e^{logHead}, where they are O(1) or smaller.
        Span<double> partial = stackalloc double[EulerLevels + 1];
        Span<double> weights = stackalloc double[EulerLevels + 1];
        double weight = Math.Pow(0.5, EulerLevels);
        for (int i = 0; i <= EulerLevels; i++)
        {
            weights[i] = weight;
            weight = weight * (EulerLevels - i) / (i + 1);
        }

        double sum = 0.0;
        double previousEstimate = double.NaN;
        double estimate = 0.0;
        int settled = 0;
        double oneRelative = Math.Exp(-logHead); // 1 in units of the head
        for (int n = 0; k < MaxFractionalTerms; k++, n++)
        {
            if (!NextCoefficient(alpha, k, ref logC, ref sign))
            {
                break;
            }

            sum += sign * Math.Exp(LogTerm(k, logC) - logHead);
            partial[n % (EulerLevels + 1)] = sum;
            if (n < EulerLevels)
            {
                continue;
            }

            estimate = 0.0;
            for (int i = 0; i <= EulerLevels; i++)
            {
                estimate += weights[i] * partial[(n - EulerLevels + i) % (EulerLevels + 1)];
            }

            // Stop when the accelerated sum has settled to 1e−12 of A − 1 (what the RDP is made of), or to
            // 1e−18 of A when A − 1 itself is below double resolution.
            double tolerance = Math.Max(1e-12 * Math.Abs(1.0 + estimate - oneRelative), 1e-18);
            settled = Math.Abs(estimate - previousEstimate) <= tolerance ? settled + 1 : 0;
            previousEstimate = estimate;
            if (settled >= 3)
            {
                break;
            }
        }

        return logHead + LogSpace.Log1P(estimate);
    }

    /// <summary>
    /// Advances log|C(α,k)| and its sign from k − 1 to k via C(α,k) = C(α,k−1)·(α − k + 1)/k.
    /// Returns false once the coefficient is exactly zero (integer α, k &gt; α).
    /// </summary>
    private static bool NextCoefficient(double alpha, int k, ref double logAbs, ref int sign)
    {
        if (k == 0)
        {
            logAbs = 0.0;
            sign = 1;
            return true;
        }

        double factor = (alpha - k + 1) / k;
        if (factor == 0.0)
        {
            return false;
        }

        logAbs += Math.Log(Math.Abs(factor));
        if (factor < 0)
        {
            sign = -sign;
        }

        return true;
    }
}
