using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.DistributedDp;

/// <summary>
/// Parameters of the distributed discrete Gaussian (DDGauss; Kairouz, Liu, Steinke 2021, ICML, hereafter KLS21, Alg. 1–2)
/// for one model: clip norm c, granularity γ, b bits per coordinate, conditional-rounding parameter β, the smallest
/// number n_min of honest devices whose noise must be in every released sum, the largest group n_max, and the noise
/// multiplier z of that sum. All "grid" quantities are in units of γ after rotation, i.e. the integers the devices send.
/// </summary>
/// <remarks>
/// <para>
/// Sensitivity (KLS21 Thm. 1 / Prop. 22, the bound their Alg. 1 conditions on): after clipping to c, rotating and
/// scaling by 1/γ, conditional randomized rounding keeps ‖x̃‖₂ ≤ Δ₂ with
/// Δ₂ = min{ c/γ + √D, √(c²/γ² + D/4 + √(2 ln(1/β))·(c/γ + √D/2)) } (D the padded dimension), and an unconditioned
/// rounding would exceed the second bound with probability ≤ β, so the retry loop ends after 1/(1 − β) attempts on average.
/// </para>
/// <para>
/// Noise: every device adds N_Z(0, σ²) per coordinate with σ² = z²Δ₂²/n_min (<see cref="LocalVariance"/>), so the sum
/// of any n_min honest devices carries variance z²Δ₂² — noise multiplier z on the sensitivity Δ₂, the quantity the
/// accountant charges (<see cref="DistributedDiscreteGaussianAccountant"/>).
/// </para>
/// <para>
/// Overflow (<see cref="OverflowProbability"/>; the tail argument of KLS21 §4.2/§4.4, stated here as a bound): the sum
/// of n ≤ n_max encoded vectors at coordinate j is Z_j = (U Σ_i x_i)_j/γ + (rounding, |·| &lt; n) + Σ_i ξ_ij. With the
/// random signs of U independent of the data, (U Σ x_i)_j/γ is a Rademacher sum with Σ a_k² ≤ (n c/γ)²/D, sub-Gaussian
/// by Hoeffding; N_Z(0, σ²) is σ²-sub-Gaussian (Canonne, Kamath, Steinke 2020, Cor. 9), so the noise sum is nσ²-sub-Gaussian.
/// With V = (n c/γ)²/D + nσ², P[|Z_j| ≥ 2^(b−1)] ≤ 2·exp(−(2^(b−1) − n)²/(2V)), and a union bound over the D coordinates
/// gives P[any wrap] ≤ 2D·exp(−(2^(b−1) − n)²/(2V)). Larger γ (coarser grid) lowers it; <see cref="WithFinestGamma"/> picks
/// the finest γ that meets a target and refuses a b for which none does.
/// </para>
/// </remarks>
public sealed record DistributedDiscreteGaussianParameters
{
    /// <summary>KLS21's experiments use β = e^(−1/2) for the conditional rounding.</summary>
    public static readonly double DefaultBeta = Math.Exp(-0.5);

    /// <summary>Default ceiling on the per-round probability that any coordinate of the sum wraps mod 2^b.</summary>
    public const double DefaultOverflowTarget = 1e-9;

    /// <summary>Creates and validates the parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Any argument out of range.</exception>
    public DistributedDiscreteGaussianParameters(
        int dimension, double clipNorm, double gamma, int bits, double beta, int minimumSurvivors, int maximumGroupSize, double noiseMultiplier)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, 1 << 24);
        if (!(clipNorm > 0.0) || double.IsPositiveInfinity(clipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clip norm c must be positive and finite.");
        }

        if (!(gamma > 0.0) || double.IsPositiveInfinity(gamma))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The granularity γ must be positive and finite.");
        }

        ModularVector.ValidateBits(bits);
        if (!(beta >= 0.0 && beta < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must lie in [0, 1) (0: unconditional rounding bound).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minimumSurvivors, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumGroupSize, minimumSurvivors);
        if (!(noiseMultiplier > 0.0) || double.IsPositiveInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier z must be positive and finite.");
        }

        Dimension = dimension;
        PaddedDimension = RandomizedHadamard.PaddedLength(dimension);
        ClipNorm = clipNorm;
        Gamma = gamma;
        Bits = bits;
        Beta = beta;
        MinimumSurvivors = minimumSurvivors;
        MaximumGroupSize = maximumGroupSize;
        NoiseMultiplier = noiseMultiplier;
        SensitivityBound = RoundedNormBound(clipNorm / gamma, PaddedDimension, beta);
        LocalVariance = noiseMultiplier * noiseMultiplier * SensitivityBound * SensitivityBound / minimumSurvivors;
        OverflowProbability = OverflowBound(clipNorm / gamma, PaddedDimension, bits, maximumGroupSize, LocalVariance);
    }

    /// <summary>d, the number of model coordinates.</summary>
    public int Dimension { get; }

    /// <summary>D = 2^⌈log₂ d⌉, the coordinates sent (the rotation pads).</summary>
    public int PaddedDimension { get; }

    /// <summary>c, the L2 clip norm of an update.</summary>
    public double ClipNorm { get; }

    /// <summary>γ, the grid step: one integer unit on the wire is γ in model units.</summary>
    public double Gamma { get; }

    /// <summary>b, bits per coordinate of the modular sum.</summary>
    public int Bits { get; }

    /// <summary>β of the conditional rounding (KLS21 Prop. 22).</summary>
    public double Beta { get; }

    /// <summary>n_min, the fewest honest survivors whose noise must be in a released sum (the group's minimum).</summary>
    public int MinimumSurvivors { get; }

    /// <summary>n_max, the most devices summed in one group (enters the overflow bound).</summary>
    public int MaximumGroupSize { get; }

    /// <summary>z, the noise multiplier of the sum of n_min devices on the sensitivity Δ₂.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>Δ₂, the L2 bound on a rounded update in grid units.</summary>
    public double SensitivityBound { get; }

    /// <summary>σ² = z²Δ₂²/n_min, each device's discrete Gaussian variance in grid units.</summary>
    public double LocalVariance { get; }

    /// <summary>Upper bound on the probability that some coordinate of a group sum wraps mod 2^b (see remarks).</summary>
    public double OverflowProbability { get; }

    /// <summary>Standard deviation per coordinate of the noise on the sum of n_min devices, in model units (γ·√n_min·σ).</summary>
    public double SumNoiseStddev => Gamma * Math.Sqrt(MinimumSurvivors * LocalVariance);

    /// <summary>Bytes of one encoded update on the wire, without framing: b·D/8 rounded up.</summary>
    public int PayloadBytes => (int)(((long)Bits * PaddedDimension + 7) / 8);

    /// <summary>Δ₂ of KLS21 Thm. 1 for a scaled clip norm s = c/γ in D dimensions (β = 0: the unconditional s + √D).</summary>
    public static double RoundedNormBound(double scaledClipNorm, int paddedDimension, double beta)
    {
        double sqrtD = Math.Sqrt(paddedDimension);
        double unconditional = scaledClipNorm + sqrtD;
        if (beta == 0.0)
        {
            return unconditional;
        }

        double conditionedSquared = (scaledClipNorm * scaledClipNorm) + (paddedDimension / 4.0)
            + (Math.Sqrt(2.0 * Math.Log(1.0 / beta)) * (scaledClipNorm + (sqrtD / 2.0)));
        return Math.Min(unconditional, Math.Sqrt(conditionedSquared));
    }

    /// <summary>2D·exp(−(2^(b−1) − n)²/(2V)), V = (n·s)²/D + nσ² (see remarks); 1 when 2^(b−1) ≤ n.</summary>
    public static double OverflowBound(double scaledClipNorm, int paddedDimension, int bits, int groupSize, double localVariance)
    {
        double margin = (1L << (bits - 1)) - (double)groupSize;
        if (margin <= 0)
        {
            return 1.0;
        }

        double n = groupSize;
        double variance = (n * scaledClipNorm * n * scaledClipNorm / paddedDimension) + (n * localVariance);
        return Math.Min(1.0, 2.0 * paddedDimension * Math.Exp(-(margin * margin) / (2.0 * variance)));
    }

    /// <summary>
    /// The parameters with the finest grid γ whose overflow bound is ≤ <paramref name="overflowTarget"/>. The bound grows
    /// with c/γ, so bisection on log(c/γ) over [10⁻³, 2^b·√D] finds it to 10⁻⁶ relative.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">b is too small: even the coarsest grid overflows too often.</exception>
    public static DistributedDiscreteGaussianParameters WithFinestGamma(
        int dimension,
        double clipNorm,
        int bits,
        int minimumSurvivors,
        int maximumGroupSize,
        double noiseMultiplier,
        double? beta = null,
        double overflowTarget = DefaultOverflowTarget)
    {
        if (!(overflowTarget > 0.0 && overflowTarget < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(overflowTarget), overflowTarget, "The overflow target must lie in (0, 1).");
        }

        double b = beta ?? DefaultBeta;
        DistributedDiscreteGaussianParameters At(double scaledClipNorm) =>
            new(dimension, clipNorm, clipNorm / scaledClipNorm, bits, b, minimumSurvivors, maximumGroupSize, noiseMultiplier);

        double low = 1e-3;
        DistributedDiscreteGaussianParameters coarsest = At(low);
        if (coarsest.OverflowProbability > overflowTarget)
        {
            throw new ArgumentOutOfRangeException(
                nameof(bits),
                bits,
                $"b = {bits} bits cannot hold the sum of {maximumGroupSize} updates of {dimension} coordinates with z = {noiseMultiplier}, n_min = {minimumSurvivors}: "
                + $"even the coarsest grid overflows with probability up to {coarsest.OverflowProbability:G3} > {overflowTarget:G3}.");
        }

        double high = Math.Pow(2, bits) * Math.Sqrt(coarsest.PaddedDimension);
        if (At(high).OverflowProbability <= overflowTarget)
        {
            return At(high);
        }

        while (high / low > 1.0 + 1e-6)
        {
            double mid = Math.Sqrt(low * high);
            if (At(mid).OverflowProbability <= overflowTarget)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return At(low);
    }
}
