using System.Globalization;

namespace FedEdge.Onnx.Privacy;

/// <summary>DP-SGD hyper-parameters (Abadi et al. 2016, Algorithm 1).</summary>
/// <param name="SamplingRate">Poisson sampling rate q: every local sample joins a batch independently with probability q.</param>
/// <param name="NoiseMultiplier">σ: the noise standard deviation is σ·C per coordinate of the clipped-gradient sum.</param>
/// <param name="ClipNorm">C: per-example gradient L2 bound.</param>
public sealed record DpSgdSettings(double SamplingRate, double NoiseMultiplier, float ClipNorm)
{
    /// <summary>Throws naming every invalid value.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!(SamplingRate > 0 && SamplingRate <= 1))
        {
            errors.Add($"SamplingRate {SamplingRate.ToString(CultureInfo.InvariantCulture)} is not in (0, 1]");
        }

        if (!(NoiseMultiplier >= 0) || double.IsInfinity(NoiseMultiplier))
        {
            errors.Add($"NoiseMultiplier {NoiseMultiplier.ToString(CultureInfo.InvariantCulture)} is not finite and non-negative");
        }

        if (!(ClipNorm > 0) || !float.IsFinite(ClipNorm))
        {
            errors.Add($"ClipNorm {ClipNorm.ToString(CultureInfo.InvariantCulture)} is not positive and finite");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid DP-SGD settings: " + string.Join("; ", errors) + ".");
        }
    }
}
