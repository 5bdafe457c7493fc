using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Buffered;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

public class FedBuffStrategyTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public void Aggregate_discounts_by_staleness_and_divides_by_the_buffer_size()
    {
        // Current version 5; bases 5, 4, 2 ⇒ τ = 0, 1, 3 ⇒ s = 1, 1/√2, 1/2 (s(τ) = 1/√(1+τ)).
        // Σ s Δ = 1·[2,0,0,4] + (1/√2)·[4,4,0,0] + ½·[0,0,6,2] = [2 + 2√2, 2√2, 3, 5]
        // FedBuff (Nguyen et al. 2022, Alg. 1): divide by K = 3, times η_g = 0.5:
        // step = 0.5/3 · [2 + 2√2, 2√2, 3, 5] ≈ [0.804738, 0.471405, 0.5, 0.833333]
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 3, ServerLearningRate = 0.5 });
        ClientUpdate[] buffer =
        [
            Update("a", 5, [2, 0, 0, 4]),
            Update("b", 4, [4, 4, 0, 0]),
            Update("c", 2, [0, 0, 6, 2]),
        ];
        double r2 = Math.Sqrt(2.0);
        double[] expected = [0.5 / 3 * (2 + (2 * r2)), 0.5 / 3 * 2 * r2, 0.5 / 3 * 3, 0.5 / 3 * 5];

        var result = strategy.Aggregate(Model(0, 0, 0, 0), buffer, Context(5));

        Assert.Equal(expected, result.Global.Buffer.Select(x => (double)x), (x, y) => Math.Abs(x - y) <= Tolerance);
        Assert.Equal([0L, 1L, 3L], result.Report.Contributions.Select(c => c.Staleness));
    }

    [Fact]
    public void Aggregate_moves_a_stale_buffer_less_than_a_fresh_one_because_it_divides_by_K_not_by_the_sum_of_discounts()
    {
        // All τ = 3 ⇒ s = ½: step = η · (1/K) Σ ½ Δ = ½ · (fresh step). Normalising by Σ s would make them equal.
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 2 });
        float[] d1 = [1, 2, 3, 4];
        float[] d2 = [3, 2, 1, 0];

        var fresh = strategy.Aggregate(Model(0, 0, 0, 0), [Update("a", 9, d1), Update("b", 9, d2)], Context(9));
        var stale = strategy.Aggregate(Model(0, 0, 0, 0), [Update("a", 6, d1), Update("b", 6, d2)], Context(9));

        Assert.Equal(fresh.Global.Buffer.Select(x => x / 2), stale.Global.Buffer, (x, y) => Math.Abs(x - y) <= 1e-6f);
    }

    [Fact]
    public void Admit_rejects_an_update_staler_than_the_limit_and_accepts_one_at_the_limit()
    {
        var strategy = new BufferedStrategy(new BufferedOptions { MaxStaleness = 3 });

        var tooOld = strategy.Admit(Update("a", 6, [0, 0, 0, 0]), [], Context(10));
        var atLimit = strategy.Admit(Update("a", 7, [0, 0, 0, 0]), [], Context(10));

        Assert.Equal(RejectionReason.TooStale, tooOld.Rejection);
        Assert.Contains("Staleness 4", tooOld.Message, StringComparison.Ordinal);
        Assert.True(atLimit.Accepted);
    }

    [Fact]
    public void Admit_rejects_a_second_update_from_the_same_device_in_one_buffer()
    {
        var strategy = new BufferedStrategy(new BufferedOptions());

        var verdict = strategy.Admit(Update("a", 9, [0, 0, 0, 0]), [Update("a", 8, [1, 1, 1, 1])], Context(9));

        Assert.Equal(RejectionReason.DeviceAlreadyBuffered, verdict.Rejection);
    }

    [Fact]
    public void IsReady_becomes_true_when_the_buffer_holds_K_updates()
    {
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 2 });
        ClientUpdate[] two = [Update("a", 1, [0, 0, 0, 0]), Update("b", 1, [0, 0, 0, 0])];

        Assert.False(strategy.IsReady(two[..1], Context(1)));
        Assert.True(strategy.IsReady(two, Context(1)));
    }
}
