using FedEdge.Core.Privacy;
using FedEdge.Device.Privacy;

namespace FedEdge.Agent.Tests.Privacy;

public sealed class StepRdpCacheTests
{
    [Fact]
    public void Steps_times_the_kept_curve_equal_the_accountant_bit_for_bit_before_and_after_eviction()
    {
        var accountant = new RdpAccountant();
        var cache = new StepRdpCache(accountant);
        // six (q, σ) pairs through four slots, each asked twice: hits, misses and re-computation after eviction
        SubsampledGaussian[] mechanisms =
        [
            new(0.02, 0.863, 1), new(1.0, 6.7, 1), new(0.02, 0.863, 50), new(0.1, 2.3, 3), new(0.05, 1.1, 7),
            new(0.3, 1.5, 1), new(0.02, 0.9, 2), new(1.0, 6.7, 4), new(0.02, 0.863, 1), new(0.5, 0.0001 + 1, 0), new(0, 1, 5),
        ];
        foreach (var mechanism in mechanisms.Concat(mechanisms))
        {
            double[] expected = accountant.ComputeRdp(mechanism);
            double[] actual = new double[accountant.Orders.Count];
            cache.AddSteps(mechanism, actual);
            Assert.Equal(expected, actual); // exact: the same products in the same order
        }
    }

    [Fact]
    public void It_adds_to_what_the_span_holds()
    {
        var accountant = new RdpAccountant();
        var cache = new StepRdpCache(accountant);
        var mechanism = new SubsampledGaussian(0.02, 0.863, 3);
        double[] total = [.. Enumerable.Repeat(0.5, accountant.Orders.Count)];

        cache.AddSteps(mechanism, total);

        double[] alone = accountant.ComputeRdp(mechanism);
        Assert.Equal(alone.Select(r => r + 0.5), total);
    }
}
