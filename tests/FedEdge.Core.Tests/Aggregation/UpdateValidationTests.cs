using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Codecs;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

public class UpdateValidationTests
{
    private static readonly ParameterSubset FirstTwo = ParameterSubset.For(Four, [0, 1]);

    [Fact]
    public void Check_rejects_a_delta_of_the_wrong_length()
    {
        var verdict = UpdateValidation.Check(Update("a", 1, [1, 2, 3]), Context(1));

        Assert.Equal(RejectionReason.WrongShape, verdict.Rejection);
        Assert.Contains("3 elements but 4", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_rejects_a_sparse_update_when_the_server_expects_dense_ones()
    {
        var verdict = UpdateValidation.Check(Update("a", 1, [1, 2], subset: FirstTwo), Context(1));

        Assert.Equal(RejectionReason.WrongShape, verdict.Rejection);
    }

    [Fact]
    public void Check_rejects_an_update_over_a_different_subset_than_assigned()
    {
        var other = ParameterSubset.For(Four, [1, 2]);

        var verdict = UpdateValidation.Check(Update("a", 1, [1, 2], subset: other), Context(1, subset: FirstTwo));

        Assert.Equal(RejectionReason.WrongShape, verdict.Rejection);
    }

    [Fact]
    public void Check_accepts_a_dense_update_where_a_subset_is_assigned()
    {
        // an FTTE device whose memory class holds the whole model trains all of it
        Assert.True(UpdateValidation.Check(Update("a", 1, [1, 2, 3, 4]), Context(1, subset: FirstTwo)).Accepted);
        Assert.Equal(RejectionReason.WrongShape, UpdateValidation.Check(Update("a", 1, [1, 2]), Context(1, subset: FirstTwo)).Rejection);
    }

    [Fact]
    public void Check_accepts_an_update_over_a_subset_assigned_earlier_in_the_staleness_window()
    {
        var current = ParameterSubset.For(Four, [2, 3]);
        var context = Context(3, subset: current) with { EarlierSubsets = [FirstTwo] };

        Assert.True(UpdateValidation.Check(Update("a", 2, [1, 2], subset: FirstTwo), context).Accepted);
        Assert.Equal(RejectionReason.WrongShape, UpdateValidation.Check(Update("a", 2, [1, 2], subset: ParameterSubset.For(Four, [1, 3])), context).Rejection);
    }

    [Fact]
    public void Check_accepts_an_update_over_the_assigned_subset()
    {
        Assert.True(UpdateValidation.Check(Update("a", 1, [1, 2], subset: FirstTwo), Context(1, subset: FirstTwo)).Accepted);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Check_rejects_non_finite_values(float bad)
    {
        var verdict = UpdateValidation.Check(Update("a", 1, [0, bad, 0, 0]), Context(1));

        Assert.Equal(RejectionReason.NonFinite, verdict.Rejection);
    }

    [Fact]
    public void Check_rejects_a_non_positive_sample_count()
    {
        var verdict = UpdateValidation.Check(Update("a", 1, [0, 0, 0, 0], samples: 0), Context(1));

        Assert.Equal(RejectionReason.BadSampleCount, verdict.Rejection);
    }

    [Fact]
    public void Check_rejects_an_empty_device_id()
    {
        var verdict = UpdateValidation.Check(Update(string.Empty, 1, [0, 0, 0, 0]), Context(1));

        Assert.Equal(RejectionReason.Malformed, verdict.Rejection);
    }

    [Fact]
    public void Check_rejects_a_base_version_from_the_future()
    {
        var verdict = UpdateValidation.Check(Update("a", 3, [0, 0, 0, 0]), Context(2));

        Assert.Equal(RejectionReason.FutureBaseVersion, verdict.Rejection);
    }

    [Fact]
    public void Aggregate_throws_when_the_buffer_holds_an_update_admission_would_reject()
    {
        var strategy = new BufferedStrategy(new BufferedOptions { BufferSize = 2 });
        ClientUpdate[] buffer = [Update("a", 1, [0, 0, 0, 0]), Update("b", 1, [0, float.NaN, 0, 0])];

        var e = Assert.Throws<ArgumentException>(() => strategy.Aggregate(Model(0, 0, 0, 0), buffer, Context(1)));

        Assert.Contains("NonFinite", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_throws_on_an_empty_buffer()
    {
        var strategy = new BufferedStrategy(new BufferedOptions());

        Assert.Throws<ArgumentException>(() => strategy.Aggregate(Model(0, 0, 0, 0), [], Context(1)));
    }
}
