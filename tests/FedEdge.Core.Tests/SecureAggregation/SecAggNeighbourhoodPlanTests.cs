using FedEdge.Core.SecureAggregation;
using MathNet.Numerics.Distributions;

namespace FedEdge.Core.Tests.SecureAggregation;

public class SecAggNeighbourhoodPlanTests
{
    [Theory]
    [InlineData(99, 10, 20, 4)]
    [InlineData(999, 100, 40, 12)]
    [InlineData(4999, 500, 60, 20)]
    public void The_hypergeometric_tail_matches_MathNet(int population, int marked, int draws, int atLeast)
    {
        // Reference: 1 − CDF(t − 1) of MathNet's Hypergeometric(N, K, k). 1e-9 absolute.
        double expected = 1.0 - new Hypergeometric(population, marked, draws).CumulativeDistribution(atLeast - 1);
        Assert.Equal(expected, SecAggNeighbourhoodPlan.HypergeometricUpperTail(population, marked, draws, atLeast), 1e-9);
    }

    [Theory]
    [InlineData(10, 0.7, 4)]
    [InlineData(40, 0.7, 15)]
    [InlineData(64, 0.9, 40)]
    public void The_binomial_tail_matches_MathNet(int trials, double p, int atMost)
    {
        double expected = new Binomial(p, trials).CumulativeDistribution(atMost);
        Assert.Equal(expected, SecAggNeighbourhoodPlan.BinomialLowerTail(trials, p, atMost), 1e-12);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void The_chosen_plan_meets_its_targets_with_30_percent_dropout_and_5_percent_colluding(int n)
    {
        SecAggNeighbourhoodPlan plan = SecAggNeighbourhoodPlan.Choose(n, 0.3, n / 20);
        Assert.True(plan.CollusionBound <= Math.Pow(2, -40), $"collusion {plan.CollusionBound}");
        Assert.True(plan.DisconnectionBound <= Math.Pow(2, -40), $"disconnection {plan.DisconnectionBound}");
        Assert.True(plan.DropoutBound <= Math.Pow(2, -20), $"dropout {plan.DropoutBound}");
        Assert.InRange(plan.Threshold, 2, plan.Degree);
    }

    [Fact]
    public void The_degree_grows_like_log_n_and_stays_far_below_n_for_large_groups()
    {
        int k1000 = SecAggNeighbourhoodPlan.Choose(1000, 0.3, 50).Degree;
        int k5000 = SecAggNeighbourhoodPlan.Choose(5000, 0.3, 250).Degree;
        Assert.True(k5000 < 200, $"k = {k5000} at n = 5000");
        Assert.InRange(k5000 - k1000, 0, 20); // log₂(5000/1000) ≈ 2.3 more bits per union bound
    }

    [Fact]
    public void A_plan_with_threshold_above_the_survivors_a_neighbourhood_keeps_fails_its_dropout_bound()
    {
        // k = 10, t = 10, ρ = 0.3: some neighbour almost surely drops.
        Assert.True(SecAggNeighbourhoodPlan.Evaluate(100, 10, 10, 0.3, 0).DropoutBound > 0.5);
    }
}
