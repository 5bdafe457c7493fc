using FedEdge.Simulation.Reporting;
using FedEdge.Simulation.Results;

namespace FedEdge.Simulation.Tests.Reporting;

public class SummaryJsonTests
{
    private static SimulationSummary Summary()
    {
        // Doubles without a short decimal form, so a lossy format ("G15", float) would show.
        RunResult[] runs = [.. RunFixtures.Runs().Select(r => r with
        {
            FinalAccuracy = r.FinalAccuracy + (1.0 / 3 * 1e-7),
            HoursToTarget = r.HoursToTarget is double h ? h + 0.1 + 0.2 : null,
            WallSeconds = Math.PI * (r.Seed + 1),
        })];
        return SimulationSummary.Create(RunFixtures.Options(), runs);
    }

    [Fact]
    public void Read_returns_what_Write_wrote()
    {
        SimulationSummary original = Summary();
        using var dir = new TempDirectory();
        string path = dir.File(SummaryJson.FileName);
        SummaryJson.Write(path, original);
        SimulationSummary read = SummaryJson.Read(path);

        // Records holding only scalars compare by value; lists are compared element by element.
        Assert.Equal(original.Strategies, read.Strategies);
        Assert.Equal(original.Options with { Strategies = [], Seeds = [] }, read.Options with { Strategies = [], Seeds = [] });
        Assert.Equal(original.Options.Strategies, read.Options.Strategies);
        Assert.Equal(original.Options.Seeds, read.Options.Seeds);
        Assert.Equal(original.Runs.Count, read.Runs.Count);
        for (int i = 0; i < original.Runs.Count; i++)
        {
            RunResult a = original.Runs[i];
            RunResult b = read.Runs[i];
            Assert.Equal(a.Timeline, b.Timeline);
            Assert.Equal(a.Participation, b.Participation);
            Assert.Equal(a.EpsilonPerDevice, b.EpsilonPerDevice);
            Assert.Equal(a.EpsilonAgainstAggregatorPerDevice, b.EpsilonAgainstAggregatorPerDevice);
            Assert.Equal(a.StalenessHistogram, b.StalenessHistogram);
            Assert.Equal(a.PrivacyTimeline, b.PrivacyTimeline);
            Assert.Equal(a.Rejected.OrderBy(p => p.Key), b.Rejected.OrderBy(p => p.Key));
            RunResult emptied = a with { Timeline = [], Participation = [], EpsilonPerDevice = [], EpsilonAgainstAggregatorPerDevice = [], StalenessHistogram = [], PrivacyTimeline = [], Rejected = new Dictionary<string, long>() };
            Assert.Equal(emptied, b with { Timeline = emptied.Timeline, Participation = emptied.Participation, EpsilonPerDevice = emptied.EpsilonPerDevice, EpsilonAgainstAggregatorPerDevice = emptied.EpsilonAgainstAggregatorPerDevice, StalenessHistogram = emptied.StalenessHistogram, PrivacyTimeline = emptied.PrivacyTimeline, Rejected = emptied.Rejected });
        }
    }

    [Fact]
    public void Serialize_keeps_every_bit_of_a_double()
    {
        SimulationSummary original = Summary();
        SimulationSummary read = SummaryJson.Deserialize(SummaryJson.Serialize(original));
        Assert.Equal(
            original.Runs.Select(r => BitConverter.DoubleToInt64Bits(r.FinalAccuracy)),
            read.Runs.Select(r => BitConverter.DoubleToInt64Bits(r.FinalAccuracy)));
        Assert.Equal(
            original.Runs.Select(r => BitConverter.DoubleToInt64Bits(r.WallSeconds)),
            read.Runs.Select(r => BitConverter.DoubleToInt64Bits(r.WallSeconds)));
    }

    [Fact]
    public void Serialize_writes_indented_camel_case_with_null_for_a_target_never_reached()
    {
        string json = SummaryJson.Serialize(Summary());
        Assert.Contains("\n  \"options\": {", json, StringComparison.Ordinal);
        Assert.Contains("\"hoursToTarget\": null", json, StringComparison.Ordinal);
        Assert.Contains("\"versusFedAvg\": {", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"HoursToTarget\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_writes_a_nan_accuracy_so_that_it_reads_back()
    {
        RunResult[] runs = [.. RunFixtures.Runs().Select(r => r with { FinalAccuracy = double.NaN })];
        SimulationSummary read = SummaryJson.Deserialize(SummaryJson.Serialize(SimulationSummary.Create(RunFixtures.Options(), runs)));
        Assert.All(read.Runs, r => Assert.True(double.IsNaN(r.FinalAccuracy)));
    }

    [Fact]
    public void Deserialize_throws_InvalidDataException_for_text_that_is_not_a_summary()
    {
        Assert.Throws<InvalidDataException>(() => SummaryJson.Deserialize("{\"options\": 3"));
        Assert.Throws<InvalidDataException>(() => SummaryJson.Deserialize("null"));
    }
}
