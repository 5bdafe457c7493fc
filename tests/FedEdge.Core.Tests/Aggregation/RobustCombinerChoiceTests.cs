using System.Numerics.Tensors;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.Robust;

namespace FedEdge.Core.Tests.Aggregation;

/// <summary>
/// The measurement behind the aggregator's default combiner (docs/security.md, "Robust by default"): K = 10 user-level DP
/// updates of mlp-14-32-5 (d = 645, S = 1, z = 3) whose clipped signal is one shared unit vector. Without an attacker the
/// cost of a combiner is its error ‖centre − signal‖² against the weighted mean's; with one poisoner at the clip bound M in
/// a fixed direction, its pull is ⟨centre, p̂⟩. The β = 0.1 trimmed mean costs a few per cent of error and takes off part of
/// the pull; the median costs about half again the error (the Gaussian median's efficiency 2/π) for a larger cut.
/// </summary>
public class RobustCombinerChoiceTests
{
    private const int K = 10;
    private const int D = 645;
    private const int Trials = 300;

    private static (double Error, double Pull) Measure(IUpdateCombiner combiner, bool poisoner, int seed)
    {
        var rng = new Random(seed);
        double bound = GaussianUpdateNormBound.Compute(1.0, 3.0, D, 6.0);
        float[] signal = new float[D];
        signal[0] = 1;
        float[] direction = new float[D];
        for (int i = 0; i < D; i++)
        {
            direction[i] = (float)Gaussian(rng);
        }

        TensorPrimitives.Multiply(direction, 1f / TensorPrimitives.Norm(direction), direction);
        double error = 0, pull = 0;
        double[] weights = Enumerable.Repeat(1.0 / K, K).ToArray();
        float[] centre = new float[D];
        for (int trial = 0; trial < Trials; trial++)
        {
            var deltas = new float[K][];
            for (int k = 0; k < K; k++)
            {
                deltas[k] = new float[D];
                if (poisoner && k == 0)
                {
                    TensorPrimitives.Multiply(direction, (float)bound, deltas[k]);
                    continue;
                }

                for (int i = 0; i < D; i++)
                {
                    deltas[k][i] = signal[i] + (float)(3.0 * Gaussian(rng));
                }
            }

            combiner.Combine(deltas, weights, centre);
            error += TensorPrimitives.Distance(centre, signal) * (double)TensorPrimitives.Distance(centre, signal);
            pull += TensorPrimitives.Dot(centre, direction);
        }

        return (error / Trials, pull / Trials);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    [Fact]
    public void Without_an_attacker_the_trimmed_mean_costs_under_15_percent_more_error_than_the_mean_and_the_median_over_30()
    {
        var (mean, _) = Measure(WeightedMeanCombiner.Instance, poisoner: false, seed: 1);
        var (trimmed, _) = Measure(new TrimmedMeanCombiner(0.1), poisoner: false, seed: 1);
        var (median, _) = Measure(new CoordinateMedianCombiner(), poisoner: false, seed: 1);

        TestContext.Current.TestOutputHelper?.WriteLine($"E‖centre − signal‖²: mean {mean:F1}, trimmed {trimmed:F1} ({trimmed / mean:F3}×), median {median:F1} ({median / mean:F3}×)");
        Assert.InRange(trimmed / mean, 1.0, 1.15);
        Assert.True(median / mean > 1.3, $"median {median / mean:F3}× the mean's error");
    }

    [Fact]
    public void With_one_poisoner_at_the_clip_bound_the_trimmed_mean_lets_it_pull_less_than_the_mean_does()
    {
        var (_, mean) = Measure(WeightedMeanCombiner.Instance, poisoner: true, seed: 2);
        var (_, trimmed) = Measure(new TrimmedMeanCombiner(0.1), poisoner: true, seed: 2);
        var (_, median) = Measure(new CoordinateMedianCombiner(), poisoner: true, seed: 2);

        TestContext.Current.TestOutputHelper?.WriteLine($"poisoner pull per step: mean {mean:F2}, trimmed {trimmed:F2}, median {median:F2}");
        Assert.True(trimmed < mean, $"trimmed {trimmed}, mean {mean}");
        Assert.True(median < trimmed, $"median {median}, trimmed {trimmed}");
    }
}
