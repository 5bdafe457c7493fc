using FedEdge.Core.Parameters;

namespace FedEdge.Core.Privacy;

/// <summary>
/// User-level DP for one client update (DP-FedAvg, McMahan, Ramage, Talwar, Zhang 2018, "Learning
/// Differentially Private Recurrent Language Models", Alg. 1): clip the whole update to L2 norm S, i.e.
/// Δ ← Δ·min(1, S/‖Δ‖), then add N(0, z²S²) to every coordinate. The sensitivity of one user's clipped
/// contribution is S, so z is the noise multiplier the <see cref="RdpAccountant"/> takes as σ.
/// Here the noise is added on the device (DESIGN.md §2), so the server never sees an un-noised update.
/// </summary>
public sealed class UserLevelDp
{
    private readonly GaussianNoise _noise;

    /// <summary>Creates the mechanism; <paramref name="noise"/> is borrowed, not owned.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="noiseMultiplier"/> negative or not finite.</exception>
    public UserLevelDp(double noiseMultiplier, GaussianNoise noise)
    {
        ArgumentNullException.ThrowIfNull(noise);
        if (!(noiseMultiplier >= 0.0) || double.IsPositiveInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier z must be finite and ≥ 0 (0 means clipping only).");
        }

        NoiseMultiplier = noiseMultiplier;
        _noise = noise;
    }

    /// <summary>The noise multiplier z (noise stddev = z·S).</summary>
    public double NoiseMultiplier { get; }

    /// <summary>Clips <paramref name="update"/> in place to norm <paramref name="clipNorm"/> and adds the noise.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipNorm"/> not positive and finite.</exception>
    /// <exception cref="ArgumentException">The update holds NaN or ±∞ (its norm, and so its sensitivity, is undefined).</exception>
    public ClippingOutcome Privatize(ParameterSet update, double clipNorm)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!(clipNorm > 0.0) || clipNorm > float.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clipping norm S must be positive and finite.");
        }

        if (!update.AllFinite())
        {
            throw new ArgumentException("The update holds NaN or infinite values; refusing to privatize it.", nameof(update));
        }

        double norm = update.L2Norm();
        update.ClipToNorm((float)clipNorm);
        if (NoiseMultiplier > 0.0)
        {
            _noise.AddNoise(update.AsSpan(), NoiseMultiplier * clipNorm);
        }

        return new ClippingOutcome(norm, norm <= clipNorm);
    }
}
