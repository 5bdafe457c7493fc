namespace FedEdge.Core.Aggregation.Robust;

/// <summary>
/// The largest L2 norm an honest user-level-DP update reaches, short of a stated tail probability. A device clips its
/// update u to ‖u‖ ≤ S and adds n ~ N(0, σ²·I_d) with σ = z·S (DP-FedAvg, McMahan et al. 2018), so ‖u + n‖ ≤ S + ‖n‖.
/// ‖n‖ is a σ-Lipschitz function of a standard Gaussian vector with E‖n‖ ≤ σ·√d (Jensen), and Gaussian concentration
/// for Lipschitz functions (Tsirelson–Ibragimov–Sudakov; Boucheron, Lugosi, Massart 2013, Thm. 5.6) gives
/// P(‖n‖ ≥ σ(√d + t)) ≤ exp(−t²/2). Hence
///     M = S + z·S·(√d + t)   is exceeded by an honest update with probability at most exp(−t²/2).
/// With the fleet defaults (S = 1, z = 3, t = 6) and mlp-14-32-5 (d = 645): M ≈ 95.2 against a typical honest norm of
/// S·√(1 + z²d) ≈ 76.2, and a false positive at most once in 6.6·10⁷ updates.
/// </summary>
public static class GaussianUpdateNormBound
{
    /// <summary>M = S + z·S·(√d + t).</summary>
    /// <param name="clipNorm">S, the device's clipping norm (&gt; 0).</param>
    /// <param name="noiseMultiplier">z, noise standard deviation in units of S (≥ 0).</param>
    /// <param name="dimension">d, the number of noised coordinates (≥ 1).</param>
    /// <param name="tail">t ≥ 0: the bound fails for an honest update with probability ≤ exp(−t²/2).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument out of range.</exception>
    public static double Compute(double clipNorm, double noiseMultiplier, int dimension, double tail)
    {
        if (!(clipNorm > 0.0) || !double.IsFinite(clipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clipping norm S must be positive and finite.");
        }

        if (!(noiseMultiplier >= 0.0) || !double.IsFinite(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier z must be ≥ 0 and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(tail >= 0.0) || !double.IsFinite(tail))
        {
            throw new ArgumentOutOfRangeException(nameof(tail), tail, "The tail t must be ≥ 0 and finite.");
        }

        return clipNorm + (noiseMultiplier * clipNorm * (Math.Sqrt(dimension) + tail));
    }

    /// <summary>exp(−t²/2): the most an honest update's norm exceeds <see cref="Compute"/> with tail t.</summary>
    public static double FalsePositiveProbability(double tail)
    {
        if (!(tail >= 0.0) || !double.IsFinite(tail))
        {
            throw new ArgumentOutOfRangeException(nameof(tail), tail, "The tail t must be ≥ 0 and finite.");
        }

        return Math.Exp(-0.5 * tail * tail);
    }
}
