using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Ftte;
using FsCheck.Xunit;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

public class FtteWeightsTests
{
    // Δ1 = [1,1,0,0], Δ2 = [1,3,0,0], Δ3 = [1,1,8,0]
    // coordinate-wise median m = [1, med(1,3,1)=1, med(0,0,8)=0, 0] = [1,1,0,0]
    // d² = 0, 4, 64  ⇒  σ̂² = median(0, 4, 64) = 4
    // v = 1/(1+0/4) = 1, 1/(1+4/4) = ½, 1/(1+64/4) = 1/17
    // τ = 0, 0, 3 ⇒ s = 1, 1, ½  ⇒  u = 1, ½, 1/34;  Σu = 52/34
    // w = 34/52, 17/52, 1/52
    private static readonly float[][] HandDeltas = [[1, 1, 0, 0], [1, 3, 0, 0], [1, 1, 8, 0]];

    [Fact]
    public void Compute_matches_the_formula_evaluated_by_hand()
    {
        double[] weights = FtteWeights.Compute(HandDeltas, [0, 0, 3]);

        Assert.Equal([34.0 / 52, 17.0 / 52, 1.0 / 52], weights, (x, y) => Math.Abs(x - y) <= 1e-12);
    }

    [Fact]
    public void Strategy_steps_by_the_weighted_centre_times_the_mean_staleness_discount()
    {
        // Version 3, bases 3, 3, 0 (τ = 0, 0, 3). centre = (34·Δ1 + 17·Δ2 + 1·Δ3)/52 = [1, 86/52, 8/52, 0]
        // damping = (1 + 1 + ½)/3 = 5/6;  η = 1  ⇒  step = 5/6 · centre
        var strategy = new BufferedStrategy(new BufferedOptions { Weighting = BufferWeighting.StalenessAndDispersion, BufferSize = 3 });
        ClientUpdate[] buffer = [Update("a", 3, HandDeltas[0]), Update("b", 3, HandDeltas[1]), Update("c", 0, HandDeltas[2])];
        double[] expected = [5.0 / 6, 5.0 / 6 * 86 / 52, 5.0 / 6 * 8 / 52, 0];

        var result = strategy.Aggregate(Model(0, 0, 0, 0), buffer, Context(3));

        Assert.Equal(expected, result.Global.Buffer.Select(x => (double)x), (x, y) => Math.Abs(x - y) <= 1e-6);
        Assert.Equal(5.0 / 6, result.Report.StepScale, 1e-12);
    }

    [Property(MaxTest = 200)]
    public void A_fresher_update_never_weighs_less_than_an_identical_staler_one(int seed)
    {
        var rng = new Random(seed);
        int k = rng.Next(2, 9);
        int n = rng.Next(1, 30);
        var deltas = Enumerable.Range(0, k).Select(_ => RandomVector(rng, n)).ToArray();
        int copy = rng.Next(1, k);
        deltas[copy] = (float[])deltas[0].Clone();
        long[] staleness = Enumerable.Range(0, k).Select(_ => (long)rng.Next(0, 20)).ToArray();
        staleness[copy] = staleness[0] + rng.Next(0, 5);

        double[] w = FtteWeights.Compute(deltas, staleness);

        Assert.True(w[0] >= w[copy], $"fresher {w[0]} < staler {w[copy]}");
    }

    [Property(MaxTest = 200)]
    public void An_outlying_update_weighs_less_than_every_typical_one(int seed)
    {
        var rng = new Random(seed);
        int typical = rng.Next(3, 9);
        int n = rng.Next(1, 30);
        float[] mean = RandomVector(rng, n);
        var deltas = new List<float[]>();
        for (int i = 0; i < typical; i++)
        {
            float[] noise = RandomVector(rng, n, 0.1);
            deltas.Add(mean.Select((m, j) => m + noise[j]).ToArray());
        }

        // 50 noise scales away along the first coordinate, at the same staleness as the rest.
        float[] outlier = (float[])mean.Clone();
        outlier[0] += 5f * (float)Math.Sqrt(n);
        deltas.Insert(rng.Next(0, typical + 1), outlier);
        int outlierIndex = deltas.IndexOf(outlier);

        double[] w = FtteWeights.Compute(deltas, new long[deltas.Count]);

        for (int i = 0; i < w.Length; i++)
        {
            if (i != outlierIndex)
            {
                Assert.True(w[outlierIndex] < w[i], $"outlier {w[outlierIndex]} ≥ typical {w[i]}");
            }
        }
    }

    [Property(MaxTest = 200)]
    public void Weights_are_non_negative_and_sum_to_one(int seed)
    {
        var rng = new Random(seed);
        int k = rng.Next(1, 12);
        int n = rng.Next(1, 30);
        var deltas = Enumerable.Range(0, k).Select(_ => RandomVector(rng, n, rng.NextDouble() * 10)).ToArray();
        if (rng.Next(3) == 0)
        {
            deltas[k - 1] = (float[])deltas[0].Clone();
        }

        long[] staleness = Enumerable.Range(0, k).Select(_ => (long)rng.Next(0, 50)).ToArray();

        double[] w = FtteWeights.Compute(deltas, staleness);

        Assert.All(w, x => Assert.True(x >= 0.0 && double.IsFinite(x)));
        Assert.Equal(1.0, w.Sum(), 1e-12);
    }

    [Property(MaxTest = 100)]
    public void Identical_updates_at_equal_staleness_get_equal_weights_one_over_K(int seed)
    {
        var rng = new Random(seed);
        int k = rng.Next(1, 12);
        float[] delta = RandomVector(rng, rng.Next(1, 30));
        long tau = rng.Next(0, 20);
        var deltas = Enumerable.Repeat(delta, k).ToArray();

        double[] w = FtteWeights.Compute(deltas, Enumerable.Repeat(tau, k).ToArray());

        Assert.All(w, x => Assert.Equal(1.0 / k, x, 1e-14));
    }

    [Property(MaxTest = 100)]
    public void Weights_do_not_change_when_every_update_is_scaled_by_the_same_power_of_two(int seed)
    {
        var rng = new Random(seed);
        int k = rng.Next(1, 8);
        var deltas = Enumerable.Range(0, k).Select(_ => RandomVector(rng, 10)).ToArray();
        var scaled = deltas.Select(d => d.Select(x => x * 4f).ToArray()).ToArray();
        long[] staleness = Enumerable.Range(0, k).Select(_ => (long)rng.Next(0, 5)).ToArray();

        Assert.Equal(FtteWeights.Compute(deltas, staleness), FtteWeights.Compute(scaled, staleness), (x, y) => Math.Abs(x - y) <= 1e-12);
    }

    [Fact]
    public void With_all_updates_equidistant_from_the_centre_the_weights_are_FedBuffs_staleness_weights()
    {
        // Two different updates: the median is their midpoint, d₁ = d₂, so v₁ = v₂ and w_i = s(τ_i)/Σ s.
        float[][] deltas = [[1, 0, 0, 0], [0, 1, 0, 0]];

        double[] w = FtteWeights.Compute(deltas, [0, 3]);

        Assert.Equal([1.0 / 1.5, 0.5 / 1.5], w, (x, y) => Math.Abs(x - y) <= 1e-12);
    }
}
