using FedEdge.Core.Aggregation.Combining;

namespace FedEdge.Core.Aggregation.Ftte;

/// <summary>
/// FTTE's buffer weights: staleness times a dispersion factor. The FTTE paper (arXiv 2510.03165) weights by
/// staleness and by the variance of client updates but publishes no formula; this is ours (docs/ftte-aggregation.md):
/// <code>
///   m    = coordinate-wise median of Δ_1..Δ_K                  (robust centre)
///   d_i² = ‖Δ_i − m‖₂²                                          (squared distance of update i)
///   σ̂²  = median_i d_i²                                         (robust dispersion scale of the buffer)
///   v_i  = 1 / (1 + d_i² / σ̂²)                                  (dispersion factor; v_i = 1{d_i = 0} if σ̂² = 0)
///   u_i  = s(τ_i) · v_i,  s(τ) = 1/√(1+τ)                       (FedBuff staleness)
///   w_i  = u_i / Σ_j u_j
/// </code>
/// Reasoning: model each update as a noisy estimate of the true direction, Δ_i = μ + ε_i, with heavy-tailed
/// noise (non-IID data, DP noise, a faulty device). v_i is the iteratively-reweighted-least-squares weight of the
/// Cauchy M-estimator ρ(r) = log(1 + r²/σ²) (ψ(r)/r ∝ 1/(1 + r²/σ²)) taken one step from the median: typical
/// updates (d ≈ σ̂) keep weight ≈ ½, an update at distance d ≫ σ̂ gets weight ≈ σ̂²/d², so its influence
/// w_i·d_i on the mean is bounded. Because σ̂² is a median it is not inflated by the outlier itself, and the
/// factor is scale-free (multiplying every Δ by c leaves the weights unchanged).
/// Properties (tests): fresher ⇒ never lighter; farther ⇒ lighter; w ≥ 0, Σ w = 1; identical updates at equal
/// staleness ⇒ 1/K each; with all v_i equal the weights are FedBuff's s(τ_i)/Σ s.
/// </summary>
public static class FtteWeights
{
    /// <summary>The normalised weights w_i for the deltas (all the same length) and their staleness values.</summary>
    /// <exception cref="ArgumentException">Empty input, length mismatch or negative staleness.</exception>
    public static double[] Compute(IReadOnlyList<float[]> deltas, ReadOnlySpan<long> staleness)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0 || staleness.Length != deltas.Count)
        {
            throw new ArgumentException("Need one staleness value per delta and at least one delta.", nameof(deltas));
        }

        double[] dispersion = DispersionFactors(deltas);
        var weights = new double[deltas.Count];
        double sum = 0.0;
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = StalenessWeight.Polynomial(staleness[i]) * dispersion[i];
            sum += weights[i];
        }

        // sum > 0: σ̂² is the median of d², so at least one update has d² ≤ σ̂² and v ≥ ½, or σ̂² = 0 and some d = 0.
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }

        return weights;
    }

    /// <summary>v_i = 1/(1 + d_i²/σ̂²) for each delta (see the type's remarks).</summary>
    public static double[] DispersionFactors(IReadOnlyList<float[]> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        int k = deltas.Count;
        int n = deltas[0].Length;
        var centre = new float[n];
        CombinerArguments.Check(deltas, new double[k], centre);
        CoordinateMedianCombiner.Median(deltas, centre);

        var squared = new double[k];
        for (int i = 0; i < k; i++)
        {
            float[] delta = deltas[i];
            double s = 0.0;
            for (int j = 0; j < n; j++)
            {
                double r = (double)delta[j] - centre[j];
                s += r * r;
            }

            squared[i] = s;
        }

        double[] sorted = (double[])squared.Clone();
        Array.Sort(sorted);
        double scale = (k & 1) == 1 ? sorted[k / 2] : (sorted[(k / 2) - 1] + sorted[k / 2]) / 2.0;

        var factors = new double[k];
        for (int i = 0; i < k; i++)
        {
            factors[i] = scale > 0.0
                ? 1.0 / (1.0 + (squared[i] / scale))
                : (squared[i] == 0.0 ? 1.0 : 0.0);
        }

        return factors;
    }
}
