using FedEdge.Core.DistributedDp;
using FedEdge.Core.Privacy;
using FedEdge.Core.Tests.Privacy;

namespace FedEdge.Core.Tests.DistributedDp;

public class DistributedDiscreteGaussianAccountantTests
{
    /// <summary>
    /// ε of T rounds of the Poisson-subsampled Gaussian, computed in the test only: the plain float64 binomial sum of
    /// MTZ19 at integer orders (<see cref="ReferenceRdp.IntegerOrderBySum"/>, no log space), the tight conversion of
    /// Canonne–Kamath–Steinke 2020 Prop. 12 written out here, minimised over the integer orders 2…A where A keeps
    /// (A² − A)/(2σ²) &lt; 600 (the reference sum's overflow guard).
    /// </summary>
    private static double ReferenceEpsilon(double q, double sigma, long rounds, double delta)
    {
        double best = double.PositiveInfinity;
        for (int alpha = 2; (double)alpha * (alpha - 1) / (2 * sigma * sigma) < 600 && alpha <= 256; alpha++)
        {
            double rdp = rounds * ReferenceRdp.IntegerOrderBySum(q, sigma, alpha);
            double epsilon = rdp + Math.Log((alpha - 1.0) / alpha) - ((Math.Log(delta) + Math.Log(alpha)) / (alpha - 1.0));
            best = Math.Min(best, epsilon);
        }

        return best;
    }

    /// <summary>The smallest σ with <see cref="ReferenceEpsilon"/> ≤ target, by bisection to 1e−6.</summary>
    private static double ReferenceNoiseMultiplier(double targetEpsilon, double q, long rounds, double delta)
    {
        double low = 0.3;
        double high = 50;
        while (high - low > 1e-6)
        {
            double mid = 0.5 * (low + high);
            if (ReferenceEpsilon(q, mid, rounds, delta) <= targetEpsilon)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        return high;
    }

    [Theory]
    [InlineData(0.1, 200, 2.3)]
    [InlineData(0.02, 500, 1.0)]
    public void The_issue_worked_figures_are_reproduced_and_agree_with_an_independent_RDP_computation(double q, long rounds, double published)
    {
        // Issue 3/5: ε = 3, δ = 1e-5; 1,000 homes, groups of 100, q = 0.1, 200 rounds → z ≈ 2.3; 5,000 homes, q = 0.02, 500
        // rounds → z ≈ 1.0. Two significant figures published: ±0.05 around them. The product's z (default order grid, with
        // fractional orders) must also lie within 2 % below the test's integer-order reference and never above it by more than
        // its 1e-4 bisection tolerance (more orders can only lower ε, hence z).
        var accountant = new DistributedDiscreteGaussianAccountant();
        DistributedDiscreteGaussianParameters parameters = accountant.Calibrate(3.0, 1e-5, q, rounds, 4837, 1.0, 16, 100, 100);
        double reference = ReferenceNoiseMultiplier(3.0, q, rounds, 1e-5);

        Assert.InRange(parameters.NoiseMultiplier, published - 0.05, published + 0.05);
        Assert.InRange(parameters.NoiseMultiplier, reference * 0.98, reference * (1 + 2e-4));
        Assert.InRange(accountant.EpsilonForCheckIns(parameters, q, rounds, 1e-5).Epsilon, 2.99, 3.0);
    }

    [Theory]
    [InlineData(0.1, 200, 2.3354)]
    [InlineData(0.02, 500, 1.0227)]
    public void Epsilon_for_check_ins_agrees_with_the_independent_computation_at_the_calibrated_noise(double q, long rounds, double z)
    {
        // Same mechanism, same δ: the product (more orders) may only be lower, and by little: within 2 %.
        var accountant = new DistributedDiscreteGaussianAccountant();
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(4837, 1.0, 16, 100, 100, z);
        double product = accountant.EpsilonForCheckIns(parameters, q, rounds, 1e-5).Epsilon;
        double reference = ReferenceEpsilon(q, z, rounds, 1e-5);
        Assert.InRange(product, reference * 0.98, reference + 1e-9);
    }

    [Fact]
    public void Tau_vanishes_for_the_noise_in_use_so_a_round_costs_the_Gaussian_curve()
    {
        // σ² ≈ 1.4·10⁵: exp(−2π²σ²/2) underflows; RDP_α = α/(2z²) exactly.
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(4837, 1.0, 16, 100, 100, 2.3);
        Assert.Equal(0.0, DistributedDiscreteGaussianAccountant.Tau(parameters.LocalVariance, 100));
        Assert.Equal(8.0 / (2 * 2.3 * 2.3), DistributedDiscreteGaussianAccountant.RoundRdp(parameters, 8.0), 1e-12);
    }

    [Fact]
    public void With_little_noise_per_device_tau_raises_the_cost_above_the_Gaussian_curve()
    {
        // σ² = 0.25 per device, 10 devices: τ = 10·Σ_{k=1}^{9} exp(−2π²·0.25·k/(k+1)), computed here term by term.
        var parameters = new DistributedDiscreteGaussianParameters(16, 1.0, 1.0, 16, 0.0, 10, 10, 1.0);
        double variance = parameters.LocalVariance;
        double tau = 10 * Enumerable.Range(1, 9).Sum(k => Math.Exp(-2 * Math.PI * Math.PI * variance * k / (k + 1.0)));
        Assert.Equal(tau, DistributedDiscreteGaussianAccountant.Tau(variance, 10), 1e-15);
        Assert.True(DistributedDiscreteGaussianAccountant.RoundRdp(parameters, 4.0) > 4.0 / 2.0);
        Assert.True(DistributedDiscreteGaussianAccountant.EffectiveNoiseMultiplier(parameters) < 1.0);
    }

    [Fact]
    public void Every_offered_round_is_charged_whether_or_not_the_coin_said_yes()
    {
        // The ledger's charge depends on the rounds offered, not joined: 200 offers cost the same with 0 or 30 joins.
        var accountant = new DistributedDiscreteGaussianAccountant();
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(645, 1.0, 16, 100, 100, 2.3354);
        double[] perRound = accountant.RdpPerOfferedRound(parameters, 0.1);
        double[] total = [.. perRound.Select(r => r * 200)];
        Assert.Equal(
            new RdpAccountant().Convert(total, 1e-5).Epsilon,
            accountant.EpsilonForCheckIns(parameters, 0.1, 200, 1e-5).Epsilon,
            1e-9);
    }

    [Fact]
    public void Against_an_aggregator_that_sees_who_took_part_the_joined_rounds_cost_far_more()
    {
        // 20 rounds joined of 200 offered (q = 0.1): unamplified RDP 20·α/(2z²). The amplified ε is 3; this one is ~10.
        var accountant = new DistributedDiscreteGaussianAccountant();
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(4837, 1.0, 16, 100, 100, 2.3354);
        double amplified = accountant.EpsilonForCheckIns(parameters, 0.1, 200, 1e-5).Epsilon;
        double known = accountant.EpsilonGivenParticipation(parameters, 20, 1e-5).Epsilon;
        // The Gaussian curve is closed form at every real order: the product's grid minimum lies between the minimum over all
        // orders (a 0.001-step scan of [1.001, 200]) and the minimum over the integer orders alone.
        static double At(double a) => (20.0 * a / (2 * 2.3354 * 2.3354)) + Math.Log((a - 1.0) / a) - ((Math.Log(1e-5) + Math.Log(a)) / (a - 1.0));
        double overAll = Enumerable.Range(1, 199_000).Min(i => At(1.0 + (i * 0.001)));
        double overIntegers = Enumerable.Range(2, 199).Min(a => At(a));
        Assert.InRange(amplified, 2.99, 3.0);
        Assert.InRange(known, overAll - 1e-9, overIntegers + 1e-9);
        Assert.True(known > 3 * amplified);
    }
}
