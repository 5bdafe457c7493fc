namespace FedEdge.Core.Privacy;

/// <summary>
/// The Poisson-subsampled Gaussian mechanism run <see cref="Steps"/> times: each record joins a step with
/// probability <see cref="SamplingRate"/>, the step's sum (sensitivity 1) gets N(0, σ²) noise with
/// σ = <see cref="NoiseMultiplier"/> (Mironov, Talwar, Zhang 2019, Def. 3).
/// </summary>
public sealed record SubsampledGaussian
{
    /// <summary>Creates the mechanism, validating every argument.</summary>
    /// <exception cref="ArgumentOutOfRangeException">q outside [0, 1], σ not positive and finite, or steps negative.</exception>
    public SubsampledGaussian(double samplingRate, double noiseMultiplier, long steps)
    {
        if (!(samplingRate >= 0.0 && samplingRate <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "The sampling rate q must lie in [0, 1].");
        }

        if (!(noiseMultiplier > 0.0) || double.IsPositiveInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier σ must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        SamplingRate = samplingRate;
        NoiseMultiplier = noiseMultiplier;
        Steps = steps;
    }

    /// <summary>Poisson sampling probability q in [0, 1].</summary>
    public double SamplingRate { get; }

    /// <summary>Noise standard deviation in units of the L2 sensitivity, σ &gt; 0.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>Number of compositions, ≥ 0.</summary>
    public long Steps { get; }
}
