using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Codecs;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

/// <summary>A buffer that mixes dense updates with sparse ones over the assigned subset (FTTE per memory class).</summary>
public class MixedSubsetStepTests
{
    private const double Tolerance = 1e-6;
    private static readonly ParameterSubset FirstTwo = ParameterSubset.For(Four, [0, 1]);

    [Fact]
    public void FedBuff_steps_each_cell_with_the_weights_and_damping_of_the_updates_that_cover_it()
    {
        // current version 5. Dense update a: base 5, τ = 0, s = 1. Sparse update b over {0, 1}: base 2, τ = 3, s = ½.
        // Cell {0, 1} (a and b): p = 1/1.5, ½/1.5 = ⅔, ⅓; damping (1 + ½)/2 = 0.75, η = 1:
        //   w0 = 0.75·(⅔·1 + ⅓·10) = 3,  w1 = 0.75·(⅔·2 + ⅓·20) = 6.
        // Cell {2, 3} (a only): p = 1, damping 1: w2 = 3, w3 = 4 — not halved by b, which did not train them.
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 2 });
        ClientUpdate[] buffer = [Update("a", 5, [1, 2, 3, 4]), Update("b", 2, [10, 20], subset: FirstTwo)];

        var result = strategy.Aggregate(Model(0, 0, 0, 0), buffer, Context(5, subset: FirstTwo));

        Assert.Equal([3.0, 6.0, 3.0, 4.0], result.Global.Buffer.Select(x => (double)x), (x, y) => Math.Abs(x - y) <= Tolerance);
        Assert.Equal([0L, 3L], result.Report.Contributions.Select(c => c.Staleness));
        // the report shows the cell both updates take part in
        Assert.Equal([2.0 / 3.0, 1.0 / 3.0], result.Report.Contributions.Select(c => c.Weight), (x, y) => Math.Abs(x - y) <= Tolerance);
    }

    [Fact]
    public void FTTE_on_a_mixed_buffer_equals_FTTE_on_each_cell_alone()
    {
        // The cell decomposition checked against the strategy's own single-kind step on each cell's updates: inside the
        // subset all five updates (the dense ones cut to it), outside only the three dense ones (cut to the rest: FTTE's
        // dispersion factors depend on the coordinates they are computed over).
        var strategy = new BufferedStrategy(new BufferedOptions { Weighting = BufferWeighting.StalenessAndDispersion, BufferSize = 5, ServerLearningRate = 0.5 });
        var rng = new Random(11);
        var dense = Enumerable.Range(0, 3).Select(i => Update($"d{i}", 7 - i, RandomVector(rng, 4))).ToArray();
        var sparse = Enumerable.Range(0, 2).Select(i => Update($"s{i}", 6 - i, RandomVector(rng, 2), subset: FirstTwo)).ToArray();
        var model = Model(0.5f, -0.5f, 1, 2);

        var mixed = strategy.Aggregate(model, [.. dense, .. sparse], Context(7, subset: FirstTwo));

        var lastTwo = ParameterSubset.For(Four, [2, 3]);
        var cut = dense.Select(u => u with { Delta = [u.Delta[0], u.Delta[1]], Subset = FirstTwo });
        var rest = dense.Select(u => u with { Delta = [u.Delta[2], u.Delta[3]], Subset = lastTwo }).ToArray();
        var inside = strategy.Aggregate(model, [.. cut, .. sparse], Context(7, subset: FirstTwo));
        var outside = strategy.Aggregate(model, rest, Context(7, subset: lastTwo));
        double[] expected = [inside.Global.Buffer[0], inside.Global.Buffer[1], outside.Global.Buffer[2], outside.Global.Buffer[3]];
        Assert.Equal(expected, mixed.Global.Buffer.Select(x => (double)x), (x, y) => Math.Abs(x - y) <= Tolerance);
    }

    [Fact]
    public void Coordinates_no_update_of_a_buffer_of_two_subsets_trained_stay_as_they_were()
    {
        // the current subset {0, 1} and an earlier one {1, 2}, no dense update: coordinate 3 is trained by nobody.
        // FedBuff, τ = 0 for both: w0 = 1 (a alone), w1 = (2 + 20)/2 = 11, w2 = 30 (b alone), w3 unchanged.
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 2 });
        var earlier = ParameterSubset.For(Four, [1, 2]);
        ClientUpdate[] buffer = [Update("a", 4, [1, 2], subset: FirstTwo), Update("b", 4, [20, 30], subset: earlier)];

        var result = strategy.Aggregate(Model(0, 0, 0, 7), buffer, Context(4, subset: FirstTwo) with { EarlierSubsets = [earlier] });

        Assert.Equal([1f, 11f, 30f, 7f], result.Global.Buffer);
    }

    [Fact]
    public void A_buffer_of_dense_updates_under_an_assigned_subset_moves_every_coordinate()
    {
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 2 });
        var withSubset = strategy.Aggregate(Model(0, 0, 0, 0), [Update("a", 3, [1, 2, 3, 4]), Update("b", 3, [3, 2, 1, 0])], Context(3, subset: FirstTwo));
        var without = strategy.Aggregate(Model(0, 0, 0, 0), [Update("a", 3, [1, 2, 3, 4]), Update("b", 3, [3, 2, 1, 0])], Context(3));

        Assert.Equal(without.Global.Buffer, withSubset.Global.Buffer);
        Assert.Equal([2f, 2f, 2f, 2f], withSubset.Global.Buffer);
    }
}
