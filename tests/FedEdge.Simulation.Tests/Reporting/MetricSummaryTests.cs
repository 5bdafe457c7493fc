using FedEdge.Simulation.Reporting;
using FsCheck.Xunit;

namespace FedEdge.Simulation.Tests.Reporting;

public class MetricSummaryTests
{
    [Fact]
    public void Of_gives_no_mean_and_no_sd_for_no_values()
    {
        Assert.Equal(new MetricSummary(null, null, 0), MetricSummary.Of([]));
    }

    [Fact]
    public void Of_gives_a_mean_but_no_sd_for_one_value()
    {
        Assert.Equal(new MetricSummary(7.5, null, 1), MetricSummary.Of([7.5]));
    }

    [Fact]
    public void Of_uses_the_sample_standard_deviation()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x − 5)² = 32, sample variance 32 / 7 (the population one would be 4).
        MetricSummary m = MetricSummary.Of([2, 4, 4, 4, 5, 5, 7, 9]);
        Assert.Equal(5, m.Mean!.Value, 12);
        Assert.Equal(Math.Sqrt(32.0 / 7), m.StandardDeviation!.Value, 12);
        Assert.Equal(8, m.Count);
    }

    [Fact]
    public void Of_does_not_lose_a_small_spread_on_large_byte_counts()
    {
        // 1e12 + {1, 2, 3}: sd exactly 1; Σx² − n·mean² would cancel to noise at this magnitude.
        MetricSummary m = MetricSummary.Of([1e12 + 1, 1e12 + 2, 1e12 + 3]);
        Assert.Equal(1, m.StandardDeviation!.Value, 9);
    }

    [Property(MaxTest = 200)]
    public void Of_agrees_with_the_pairwise_difference_form_of_the_sample_variance(int seed)
    {
        // Independent reference: s² = Σ_{i<j} (x_i − x_j)² / (n(n − 1)), in decimal arithmetic.
        var rng = new Random(seed);
        double[] x = [.. Enumerable.Range(0, rng.Next(2, 12)).Select(_ => Math.Round((rng.NextDouble() - 0.5) * 1000, 3))];
        decimal pairs = 0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = i + 1; j < x.Length; j++)
            {
                decimal d = (decimal)x[i] - (decimal)x[j];
                pairs += d * d;
            }
        }

        double expected = Math.Sqrt((double)(pairs / (x.Length * (x.Length - 1))));
        MetricSummary m = MetricSummary.Of(x);
        // Tolerance: relative 1e-10 (double rounding over ≤ 12 terms), absolute 1e-9 near 0.
        Assert.True(Math.Abs(m.StandardDeviation!.Value - expected) <= 1e-9 + (1e-10 * expected), $"sd {m.StandardDeviation} vs {expected}");
        Assert.Equal((double)x.Sum(v => (decimal)v) / x.Length, m.Mean!.Value, 9);
    }
}
