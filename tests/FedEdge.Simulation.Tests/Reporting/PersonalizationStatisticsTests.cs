using FedEdge.Simulation.Reporting;
using FedEdge.Simulation.Results;

namespace FedEdge.Simulation.Tests.Reporting;

public sealed class PersonalizationStatisticsTests
{
    [Theory]
    // numpy.quantile([0.4, 0.1, 0.3, 0.2], p) with the default linear method: 0.25, 0.13, 0.4, 0.1
    [InlineData(0.5, 0.25)]
    [InlineData(0.1, 0.13)]
    [InlineData(1.0, 0.4)]
    [InlineData(0.0, 0.1)]
    public void Quantile_matches_numpys_default_and_skips_devices_without_a_value(double p, double expected)
    {
        double?[] values = [0.4, null, 0.1, 0.3, null, 0.2];
        Assert.Equal(expected, PersonalizationStatistics.Quantile(values, p), 12);
    }

    [Fact]
    public void Quantile_of_no_values_is_NaN()
    {
        Assert.True(double.IsNaN(PersonalizationStatistics.Quantile([null, null], 0.5)));
    }

    [Fact]
    public void Served_worse_share_counts_losses_of_more_than_one_point()
    {
        var result = new PersonalizationResult(
            "head",
            Global: [0.80, 0.80, 0.80, 0.80, null],
            Personal: [0.70, 0.795, 0.90, 0.50, 0.9],
            LocalOnly: [0.5, 0.5, 0.5, 0.5, 0.5],
            Served: [0.70, 0.795, 0.90, 0.80, 0.9],
            PersonalServed: [true, true, true, false, true]);
        // device 0 loses 10 points (worse), device 1 loses 0.5 (not worse), device 4 has no global value.
        Assert.Equal(0.25, PersonalizationStatistics.ServedWorseShare(result), 12);
    }

    [Fact]
    public void Served_counts_name_each_kind_and_skip_devices_without_held_out_samples()
    {
        var result = Auto(["global", "local-only", null, "local-only", "ditto:0.1"], [0.5, 0.8, null, 0.7, 0.9], [0.5, 0.9, null, 0.7, 0.905]);

        Assert.Equal("ditto:0.1 1, global 1, local-only 2", PersonalizationStatistics.ServedCountsText(result));
    }

    [Fact]
    public void Served_below_best_counts_devices_more_than_one_point_below_the_best_candidate()
    {
        // device 1 is 10 points below its best (counted), device 4 half a point (not), device 2 has no value.
        var result = Auto(["global", "local-only", null, "local-only", "ditto:0.1"], [0.5, 0.8, null, 0.7, 0.9], [0.5, 0.9, null, 0.7, 0.905]);

        Assert.Equal(0.25, PersonalizationStatistics.ServedBelowBestShare(result), 12);
    }

    private static PersonalizationResult Auto(string?[] kinds, double?[] served, double?[] best) => new(
        "auto", Global: served, Personal: served, LocalOnly: served, Served: served,
        PersonalServed: [.. kinds.Select(k => k is not null and not "global")], ServedKind: kinds, BestCandidate: best);
}
