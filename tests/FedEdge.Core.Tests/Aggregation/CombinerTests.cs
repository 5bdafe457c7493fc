using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.Buffered;
using FsCheck.Xunit;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

public class CombinerTests
{
    // Five updates of two coordinates; the last is an outlier in coordinate 0 and the first in coordinate 1.
    // coordinate 0: 1, 2, 3, 4, 100   coordinate 1: −50, 0, 1, 1, 2
    private static readonly float[][] WithOutlier = [[1, -50], [2, 0], [3, 1], [4, 1], [100, 2]];
    private static readonly double[] Uniform5 = [0.2, 0.2, 0.2, 0.2, 0.2];

    [Fact]
    public void Median_of_an_odd_buffer_is_the_middle_value_per_coordinate_and_ignores_the_outlier()
    {
        // sorted c0: 1,2,3,4,100 → 3;  sorted c1: −50,0,1,1,2 → 1
        var centre = new float[2];
        new CoordinateMedianCombiner().Combine(WithOutlier, Uniform5, centre);

        Assert.Equal([3f, 1f], centre);
    }

    [Fact]
    public void Median_of_an_even_buffer_is_the_mean_of_the_two_middle_values()
    {
        // c0: 1,2,3,4 → (2+3)/2 = 2.5;  c1: −50,0,1,1 → (0+1)/2 = 0.5
        var centre = new float[2];
        new CoordinateMedianCombiner().Combine(WithOutlier[..4], [0.25, 0.25, 0.25, 0.25], centre);

        Assert.Equal([2.5f, 0.5f], centre);
    }

    [Fact]
    public void Trimmed_mean_drops_the_extremes_at_each_end_before_averaging()
    {
        // β = 0.2, K = 5 ⇒ drop ⌊0.2·5⌋ = 1 at each end.
        // c0: 2,3,4 → 3;  c1: 0,1,1 → 2/3
        var centre = new float[2];
        new TrimmedMeanCombiner(0.2).Combine(WithOutlier, Uniform5, centre);

        Assert.Equal(3f, centre[0]);
        Assert.Equal(2f / 3f, centre[1], 1e-7f);
    }

    [Fact]
    public void Trimmed_mean_with_zero_trim_is_the_plain_mean()
    {
        // c0: (1+2+3+4+100)/5 = 22;  c1: (−50+0+1+1+2)/5 = −9.2
        var centre = new float[2];
        new TrimmedMeanCombiner(0.0).Combine(WithOutlier, Uniform5, centre);

        Assert.Equal(22f, centre[0], 1e-5f);
        Assert.Equal(-9.2f, centre[1], 1e-5f);
    }

    [Fact]
    public void Trimmed_mean_with_nothing_to_trim_is_the_weighted_mean_bit_for_bit()
    {
        // β = 0.1, K = 5: ⌊0.5⌋ = 0 trimmed, so a FedBuff buffer of stale and fresh updates steps exactly as without it
        double[] weights = [0.1, 0.3, 0.2, 0.25, 0.15];
        var trimmed = new float[2];
        var mean = new float[2];
        new TrimmedMeanCombiner(0.1).Combine(WithOutlier, weights, trimmed);
        WeightedMeanCombiner.Instance.Combine(WithOutlier, weights, mean);

        Assert.Equal(mean, trimmed);
    }

    [Fact]
    public void Trimmed_mean_keeps_the_weights_of_the_values_it_keeps()
    {
        // β = 0.2, K = 5, c0 = 1,2,3,4,100 with weights 0.1,0.3,0.2,0.25,0.15: drop 1 and 100, keep 2,3,4 weighted
        // 0.3,0.2,0.25: (0.6 + 0.6 + 1.0)/0.75 = 2.9333…
        double[] weights = [0.1, 0.3, 0.2, 0.25, 0.15];
        var centre = new float[2];
        new TrimmedMeanCombiner(0.2).Combine(WithOutlier, weights, centre);

        Assert.Equal((float)(2.2 / 0.75), centre[0], 1e-6f);
    }

    [Fact]
    public void Weighted_mean_combines_with_the_given_weights()
    {
        // c0: 0.5·1 + 0.5·100 = 50.5;  c1: 0.5·(−50) + 0.5·2 = −24
        var centre = new float[2];
        WeightedMeanCombiner.Instance.Combine([WithOutlier[0], WithOutlier[4]], [0.5, 0.5], centre);

        Assert.Equal([50.5f, -24f], centre);
    }

    [Fact]
    public void A_strategy_with_a_median_combiner_steps_by_the_median_times_its_scale()
    {
        // FedBuff, K = 5, all τ = 0, η_g = 1: scale = Σ s / K = 1; median centre = [3, 1] on w[0], w[1].
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 5 }).WithCombiner(new CoordinateMedianCombiner());
        var buffer = WithOutlier.Select((d, i) => Update($"d{i}", 2, [d[0], d[1], 0, 0])).ToArray();

        var result = strategy.Aggregate(Model(0, 0, 0, 0), buffer, Context(2));

        Assert.Equal([3f, 1f, 0f, 0f], result.Global.Buffer);
        Assert.Equal("coordinate-median", result.Report.Combiner);
    }

    [Property(MaxTest = 200)]
    public void Median_and_trimmed_mean_lie_within_the_coordinate_range(int seed)
    {
        var rng = new Random(seed);
        int k = rng.Next(1, 12);
        int n = rng.Next(1, 40);
        var deltas = Enumerable.Range(0, k).Select(_ => RandomVector(rng, n, 1000)).ToArray();
        var weights = Enumerable.Repeat(1.0 / k, k).ToArray();
        IUpdateCombiner[] combiners = [new CoordinateMedianCombiner(), new TrimmedMeanCombiner(rng.NextDouble() * 0.4999)];

        foreach (var combiner in combiners)
        {
            var centre = new float[n];
            combiner.Combine(deltas, weights, centre);
            for (int j = 0; j < n; j++)
            {
                float min = deltas.Min(d => d[j]);
                float max = deltas.Max(d => d[j]);
                Assert.InRange(centre[j], min, max);
            }
        }
    }

    [Property(MaxTest = 100)]
    public void Median_and_trimmed_mean_do_not_depend_on_the_order_of_the_deltas(int seed)
    {
        var rng = new Random(seed);
        int k = rng.Next(1, 12);
        var deltas = Enumerable.Range(0, k).Select(_ => RandomVector(rng, 20)).ToArray();
        var shuffled = deltas.OrderBy(_ => rng.Next()).ToArray();
        var weights = Enumerable.Repeat(1.0 / k, k).ToArray();
        // with nothing to trim (K < 4 at β = 0.25) the trimmed mean is the weighted mean, which sums in the order it is
        // given: the strategies hand it their canonical order
        IUpdateCombiner[] combiners = new TrimmedMeanCombiner(0.25).TrimCount(k) > 0
            ? [new CoordinateMedianCombiner(), new TrimmedMeanCombiner(0.25)]
            : [new CoordinateMedianCombiner()];

        foreach (var combiner in combiners)
        {
            var a = new float[20];
            var b = new float[20];
            combiner.Combine(deltas, weights, a);
            combiner.Combine(shuffled, weights, b);
            Assert.Equal(a, b);
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void Trimmed_mean_rejects_a_trim_fraction_outside_zero_to_one_half(double beta)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMeanCombiner(beta));
    }

    [Theory]
    [InlineData(10, 0.1)]
    [InlineData(7, 0.3)]
    [InlineData(32, 0.1)]
    [InlineData(40, 0.2)]
    public void Trimmed_mean_equals_an_independent_sort_and_sum_bit_for_bit(int k, double beta)
    {
        // Values from a small grid, so many coordinates hold ties (broken by weight), −0 beside +0 (equal in float order),
        // and weights with ties of their own.
        // Reference: LINQ's stable OrderBy(value).ThenBy(weight), the survivors summed in that order in float64 — the
        // definition in the combiner's remarks; exact equality, since equal keys are equal (value, weight) pairs.
        var rng = new Random(k);
        const int Dimension = 500;
        var deltas = new float[k][];
        for (int i = 0; i < k; i++)
        {
            deltas[i] = new float[Dimension];
            for (int j = 0; j < Dimension; j++)
            {
                float value = (rng.Next(9) - 4) * 0.25f;
                deltas[i][j] = value == 0f && rng.Next(2) == 0 ? -0f : value;
            }
        }

        double[] weights = [.. Enumerable.Range(0, k).Select(_ => (rng.Next(4) + 1) / 10.0)];
        var combiner = new TrimmedMeanCombiner(beta);
        int b = combiner.TrimCount(k);
        Assert.True(b > 0);
        var centre = new float[Dimension];
        combiner.Combine(deltas, weights, centre);

        for (int j = 0; j < Dimension; j++)
        {
            var kept = Enumerable.Range(0, k).Select(i => (Value: deltas[i][j], Weight: weights[i]))
                .OrderBy(p => p.Value).ThenBy(p => p.Weight).Skip(b).Take(k - (2 * b)).ToArray();
            double sum = 0.0, weight = 0.0;
            foreach (var (value, w) in kept)
            {
                sum += w * value;
                weight += w;
            }

            Assert.Equal((float)(sum / weight), centre[j]);
        }
    }
}
