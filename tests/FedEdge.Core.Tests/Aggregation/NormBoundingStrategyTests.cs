using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.FedAvg;
using FedEdge.Core.Aggregation.Robust;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

public class NormBoundingStrategyTests
{
    private static NormBoundingStrategy Bounded(double m) =>
        new NormBoundingStrategy(new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 2 }), m);

    [Fact]
    public void Aggregate_clips_each_delta_to_the_bound_before_averaging()
    {
        // ‖[3,4,0,0]‖ = 5 > M = 1 ⇒ [0.6, 0.8, 0, 0] (factor 0.2); ‖[0,0,0.5,0]‖ = 0.5 ≤ 1 ⇒ unchanged.
        // Equal samples ⇒ mean = [0.3, 0.4, 0.25, 0].
        ClientUpdate[] buffer = [Update("a", 1, [3, 4, 0, 0]), Update("b", 1, [0, 0, 0.5f, 0])];

        var result = Bounded(1.0).Aggregate(Model(0, 0, 0, 0), buffer, Context(1));

        Assert.Equal([0.3f, 0.4f, 0.25f, 0f], result.Global.Buffer, (x, y) => Math.Abs(x - y) <= 1e-6f);
        Assert.Equal([0.2, 1.0], result.Report.Contributions.Select(c => c.ClipFactor), (x, y) => Math.Abs(x - y) <= 1e-7);
        Assert.StartsWith("NormBound(M=1)", result.Report.Strategy, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_leaves_the_callers_buffer_unmodified()
    {
        float[] delta = [3, 4, 0, 0];

        _ = Bounded(1.0).Aggregate(Model(0, 0, 0, 0), [Update("a", 1, delta)], Context(1));

        Assert.Equal([3f, 4f, 0f, 0f], delta);
    }

    [Fact]
    public void WithCombiner_keeps_the_bound_and_swaps_the_inner_combiner()
    {
        var swapped = Bounded(2.0).WithCombiner(new CoordinateMedianCombiner());

        var bounded = Assert.IsType<NormBoundingStrategy>(swapped);
        Assert.Equal(2.0, bounded.MaxNorm);
        Assert.Equal("coordinate-median", bounded.Inner.Combiner.Name);
    }

    [Fact]
    public void Admit_still_rejects_non_finite_deltas_through_the_inner_strategy()
    {
        var round = Round(1, "a");

        var verdict = Bounded(1.0).Admit(Update("a", 1, [float.NaN, 0, 0, 0]), [], Context(1, round: round));

        Assert.Equal(RejectionReason.NonFinite, verdict.Rejection);
    }
}
