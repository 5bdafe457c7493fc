using FedEdge.Core.Privacy;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Privacy;

/// <summary>
/// Monotonicity of ε on random parameters. Bytes are mapped onto q ∈ [0.001, 0.5], σ ∈ [0.5, 5], steps ∈ [1, 2551]
/// so every case is meaningful and fast. Slack 1e-12 absolute for rounding.
/// </summary>
public class RdpAccountantPropertyTests
{
    private const double Delta = 1e-5;
    private const double Slack = 1e-12;
    private static readonly RdpAccountant Accountant = new();

    private static double Q(byte b) => 0.001 + (b / 255.0 * 0.499);

    private static double Sigma(byte b) => 0.5 + (b / 255.0 * 4.5);

    private static long Steps(byte b) => 1 + (10L * b);

    private static double Epsilon(double q, double sigma, long steps, ConversionMethod method = ConversionMethod.Tight) =>
        Accountant.GetPrivacySpent(new SubsampledGaussian(q, sigma, steps), Delta, method).Epsilon;

    [Property(MaxTest = 40)]
    public bool Epsilon_does_not_decrease_when_the_sampling_rate_grows(byte a, byte b, byte sigma, byte steps)
    {
        double low = Math.Min(Q(a), Q(b));
        double high = Math.Max(Q(a), Q(b));
        return Epsilon(low, Sigma(sigma), Steps(steps)) <= Epsilon(high, Sigma(sigma), Steps(steps)) + Slack;
    }

    [Property(MaxTest = 40)]
    public bool Epsilon_does_not_decrease_when_steps_are_added(byte q, byte sigma, byte a, byte b)
    {
        long fewer = Math.Min(Steps(a), Steps(b));
        long more = Math.Max(Steps(a), Steps(b));
        return Epsilon(Q(q), Sigma(sigma), fewer) <= Epsilon(Q(q), Sigma(sigma), more) + Slack;
    }

    [Property(MaxTest = 40)]
    public bool Epsilon_does_not_increase_when_the_noise_grows(byte q, byte a, byte b, byte steps)
    {
        double less = Math.Min(Sigma(a), Sigma(b));
        double more = Math.Max(Sigma(a), Sigma(b));
        return Epsilon(Q(q), more, Steps(steps)) <= Epsilon(Q(q), less, Steps(steps)) + Slack;
    }

    [Property(MaxTest = 40)]
    public bool The_tight_conversion_never_exceeds_the_classic_one(byte q, byte sigma, byte steps)
    {
        return Epsilon(Q(q), Sigma(sigma), Steps(steps), ConversionMethod.Tight)
            <= Epsilon(Q(q), Sigma(sigma), Steps(steps), ConversionMethod.Classic) + Slack;
    }
}
