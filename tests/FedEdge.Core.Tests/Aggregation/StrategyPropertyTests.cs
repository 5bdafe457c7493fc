using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Aggregation.Robust;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FsCheck.Xunit;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

/// <summary>Invariants every strategy (and every robust variant of it) must keep.</summary>
public class StrategyPropertyTests
{
    private static IEnumerable<IAggregationStrategy> AllVariants(int k, Random rng)
    {
        foreach (var strategy in Strategies(k))
        {
            yield return strategy;
            yield return strategy.WithCombiner(new CoordinateMedianCombiner());
            yield return strategy.WithCombiner(new TrimmedMeanCombiner(0.2));
            yield return new NormBoundingStrategy(strategy, 0.1 + (rng.NextDouble() * 5));
        }
    }

    [Property(MaxTest = 60)]
    public void Aggregate_is_bit_identical_whatever_the_order_of_the_buffer(int seed)
    {
        var rng = new Random(seed);
        var layout = RandomLayout(rng);
        int k = rng.Next(1, 9);
        long version = rng.Next(5, 50);
        var buffer = Enumerable.Range(0, k)
            .Select(i => new ClientUpdate($"u{rng.Next()}", $"device-{i:D2}", version - rng.Next(0, 5), RandomVector(rng, layout.TotalLength), rng.Next(1, 500)))
            .ToArray();
        var shuffled = buffer.OrderBy(_ => rng.Next()).ToArray();
        var model = new ParameterSet(layout, RandomVector(rng, layout.TotalLength));
        var context = Context(version, layout);

        foreach (var strategy in AllVariants(k, rng))
        {
            var a = strategy.Aggregate(model, buffer, context);
            var b = strategy.Aggregate(model, shuffled, context);
            Assert.Equal(a.Global.Buffer, b.Global.Buffer);
            Assert.Equal(a.Report.Contributions, b.Report.Contributions);
        }
    }

    [Property(MaxTest = 100)]
    public void K_fresh_copies_of_one_delta_move_the_model_by_eta_times_that_delta(int seed)
    {
        var rng = new Random(seed);
        var layout = RandomLayout(rng);
        int k = rng.Next(1, 11);
        float[] delta = RandomVector(rng, layout.TotalLength);
        var buffer = Enumerable.Range(0, k).Select(i => new ClientUpdate($"u{i}", $"d{i}", 7, delta, rng.Next(1, 100))).ToArray();
        var model = new ParameterSet(layout, RandomVector(rng, layout.TotalLength));

        foreach (var strategy in Strategies(k))
        {
            float[] result = strategy.Aggregate(model, buffer, Context(7, layout)).Global.Buffer;
            for (int j = 0; j < result.Length; j++)
            {
                // η = 0.5 for every fixture strategy; float accumulation of K terms ⇒ error ≲ K·2⁻²⁴·|Δ|.
                float expected = model.Buffer[j] + (0.5f * delta[j]);
                Assert.True(Math.Abs(result[j] - expected) <= 1e-5f, $"{strategy.Name}: [{j}] {result[j]} vs {expected}");
            }
        }
    }

    [Property(MaxTest = 60)]
    public void Sparse_updates_change_only_the_assigned_coordinates(int seed)
    {
        var rng = new Random(seed);
        var layout = RandomLayout(rng);
        int n = layout.TotalLength;
        int[] indices = Enumerable.Range(0, n).Where(_ => rng.Next(2) == 0).ToArray();
        if (indices.Length == 0)
        {
            indices = [rng.Next(n)];
        }

        var subset = ParameterSubset.For(layout, indices);
        int k = rng.Next(1, 6);
        var buffer = Enumerable.Range(0, k)
            .Select(i => new ClientUpdate($"u{i}", $"d{i}", 3, RandomVector(rng, indices.Length), 1, subset))
            .ToArray();
        var model = new ParameterSet(layout, RandomVector(rng, n));

        foreach (var strategy in Strategies(k))
        {
            float[] result = strategy.Aggregate(model, buffer, Context(3, layout, subset)).Global.Buffer;
            var inSubset = indices.ToHashSet();
            for (int j = 0; j < n; j++)
            {
                if (!inSubset.Contains(j))
                {
                    Assert.Equal(model.Buffer[j], result[j]);
                }
            }
        }
    }

    [Fact]
    public void Ftte_with_equidistant_updates_takes_exactly_the_FedBuff_step()
    {
        // Two updates: the median is their midpoint, so the dispersion factors are equal (see FtteWeights).
        ClientUpdate[] buffer = [Update("a", 4, [1, 0, 2, 0]), Update("b", 2, [0, 1, 0, 3])];
        var strategies = Strategies(2);

        float[] fedBuff = strategies[1].Aggregate(Model(0, 0, 0, 0), buffer, Context(4)).Global.Buffer;
        float[] ftte = strategies[2].Aggregate(Model(0, 0, 0, 0), buffer, Context(4)).Global.Buffer;

        Assert.Equal(fedBuff, ftte, (x, y) => Math.Abs(x - y) <= 1e-7f);
        Assert.Equal(BufferWeighting.StalenessAndDispersion, Assert.IsType<BufferedStrategy>(strategies[2]).Options.Weighting);
    }
}
