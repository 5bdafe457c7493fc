using FedEdge.Cli.Conventions;
using FedEdge.Core.Privacy;

namespace FedEdge.Cli.Commands;

/// <summary>
/// The DP-SGD schedule of <c>fededge train --dp-epsilon</c>, fixed before any training: Poisson
/// sampling at q = batch / n for ⌈1/q⌉ steps per epoch, and σ the smallest noise multiplier the RDP
/// accountant allows for (ε, δ) over all those steps.
/// </summary>
internal sealed record DpSgdPlan(double TargetEpsilon, double Delta, float Clip, int Epochs, double SamplingRate, long StepsPerEpoch, double Sigma)
{
    /// <summary>Every noisy step of the run.</summary>
    public long Steps => StepsPerEpoch * Epochs;

    /// <exception cref="UsageException">No σ reaches the target over this many steps.</exception>
    public static DpSgdPlan For(double epsilon, double delta, float clip, int batchSize, int epochs, int trainingRows)
    {
        double q = Math.Min(1.0, (double)batchSize / trainingRows);
        long stepsPerEpoch = (long)Math.Ceiling(1.0 / q);
        try
        {
            double sigma = new RdpAccountant().MinimumNoiseMultiplier(epsilon, delta, q, stepsPerEpoch * epochs);
            return new DpSgdPlan(epsilon, delta, clip, epochs, q, stepsPerEpoch, sigma);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw UsageException.For("--dp-epsilon", ex);
        }
    }
}
