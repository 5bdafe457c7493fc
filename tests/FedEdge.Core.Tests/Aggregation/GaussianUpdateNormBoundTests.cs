using FedEdge.Core.Aggregation.Robust;
using MathNet.Numerics.Distributions;

namespace FedEdge.Core.Tests.Aggregation;

public class GaussianUpdateNormBoundTests
{
    [Fact]
    public void The_bound_for_the_fleet_defaults_is_S_plus_zS_times_root_d_plus_t()
    {
        // S = 1, z = 3, mlp-14-32-5: d = 14·32 + 32 + 32·5 + 5 = 645, t = 6: 1 + 3·(√645 + 6) = 1 + 3·(25.39685 + 6) = 95.19055
        Assert.Equal(95.19055, GaussianUpdateNormBound.Compute(1.0, 3.0, 645, 6.0), 4);
        Assert.Equal(2.0 + (0.5 * 2.0 * (10.0 + 1.0)), GaussianUpdateNormBound.Compute(2.0, 0.5, 100, 1.0), 12);
    }

    [Theory]
    [InlineData(8, 1.0)]
    [InlineData(645, 1.0)]
    [InlineData(645, 2.0)]
    [InlineData(645, 4.0)]
    [InlineData(10_000, 3.0)]
    public void The_exact_chance_that_an_honest_noise_vector_exceeds_the_bound_is_below_the_stated_tail(int d, double t)
    {
        // ‖n‖²/σ² is χ² with d degrees of freedom (independent of the concentration argument the bound uses)
        double radius = Math.Sqrt(d) + t;
        double exact = 1.0 - ChiSquared.CDF(d, radius * radius);

        Assert.True(exact <= GaussianUpdateNormBound.FalsePositiveProbability(t), $"P = {exact} above exp(−t²/2) = {Math.Exp(-t * t / 2)}");
    }

    [Fact]
    public void A_clipped_and_noised_update_stays_under_the_bound_in_every_one_of_2000_draws()
    {
        // t = 3: each draw exceeds with probability ≤ exp(−4.5) ≈ 1.1 % by the bound, far less in truth (χ² tail above)
        var rng = new Random(11);
        const int D = 645;
        double bound = GaussianUpdateNormBound.Compute(1.0, 3.0, D, 3.0);
        int over = 0;
        for (int draw = 0; draw < 2000; draw++)
        {
            double sum = 0;
            for (int i = 0; i < D; i++)
            {
                double signal = i == 0 ? 1.0 : 0.0;
                double noise = 3.0 * Normal.Sample(rng, 0, 1);
                sum += (signal + noise) * (signal + noise);
            }

            over += Math.Sqrt(sum) > bound ? 1 : 0;
        }

        Assert.Equal(0, over);
    }

    [Fact]
    public void Arguments_outside_their_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianUpdateNormBound.Compute(0, 3, 10, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianUpdateNormBound.Compute(1, -1, 10, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianUpdateNormBound.Compute(1, 3, 0, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianUpdateNormBound.Compute(1, 3, 10, double.NaN));
    }
}
