namespace FedEdge.Core.Privacy;

/// <summary>
/// Server-side adaptive clipping norm (Andrew, Thakkar, McMahan, Ramaswamy 2021, "Differentially Private
/// Learning with Adaptive Clipping", Alg. 1, geometric update). Each round, client i reports the bit
/// b_i = 1{‖Δ_i‖ ≤ S}; the server forms the noised fraction
///     b̃ = (Σ_i b_i + N(0, σ_b²)) / m,
/// and moves the norm toward the γ-quantile of update norms:
///     S ← S · exp(−η_C · (b̃ − γ)).
/// If more than a γ fraction is already within S, S shrinks; if fewer, it grows. The count has sensitivity 1,
/// so the bits cost privacy too: the paper (Thm. 1) charges the pair (updates with multiplier z_Δ, count with
/// σ_b) as one Gaussian with z = (z_Δ⁻² + (2σ_b)⁻²)^(−1/2) — account for that when choosing z_Δ.
/// </summary>
public sealed class AdaptiveClipping
{
    /// <summary>Creates the estimator with its hyper-parameters (paper defaults: γ = 0.5, η_C = 0.2, σ_b = m/20).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Any argument out of range.</exception>
    public AdaptiveClipping(double initialClipNorm, double targetQuantile, double learningRate, double countNoiseStddev)
    {
        if (!(initialClipNorm > 0.0) || double.IsPositiveInfinity(initialClipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(initialClipNorm), initialClipNorm, "The initial clipping norm must be positive and finite.");
        }

        if (!(targetQuantile >= 0.0 && targetQuantile <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(targetQuantile), targetQuantile, "The target quantile γ must lie in [0, 1].");
        }

        if (!(learningRate > 0.0) || double.IsPositiveInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The clip learning rate η_C must be positive and finite.");
        }

        if (!(countNoiseStddev >= 0.0) || double.IsPositiveInfinity(countNoiseStddev))
        {
            throw new ArgumentOutOfRangeException(nameof(countNoiseStddev), countNoiseStddev, "The count noise σ_b must be finite and ≥ 0.");
        }

        ClipNorm = initialClipNorm;
        TargetQuantile = targetQuantile;
        LearningRate = learningRate;
        CountNoiseStddev = countNoiseStddev;
    }

    /// <summary>The current clipping norm S.</summary>
    public double ClipNorm { get; private set; }

    /// <summary>γ, the quantile of update norms S should track.</summary>
    public double TargetQuantile { get; }

    /// <summary>η_C of the geometric update.</summary>
    public double LearningRate { get; }

    /// <summary>σ_b, stddev of the Gaussian noise on the count of within-bound clients.</summary>
    public double CountNoiseStddev { get; }

    /// <summary>
    /// Applies one round's geometric update from the clients' bits b_i = 1{‖Δ_i‖ ≤ S} and returns the new S.
    /// </summary>
    /// <exception cref="ArgumentException">No client bits were given.</exception>
    public double Update(ReadOnlySpan<bool> withinBound, GaussianNoise noise)
    {
        ArgumentNullException.ThrowIfNull(noise);
        if (withinBound.IsEmpty)
        {
            throw new ArgumentException("At least one client indicator is needed to update the clipping norm.", nameof(withinBound));
        }

        int count = 0;
        foreach (bool bit in withinBound)
        {
            count += bit ? 1 : 0;
        }

        double noisedFraction = (count + noise.Next(CountNoiseStddev)) / withinBound.Length;
        ClipNorm *= Math.Exp(-LearningRate * (noisedFraction - TargetQuantile));
        return ClipNorm;
    }
}
