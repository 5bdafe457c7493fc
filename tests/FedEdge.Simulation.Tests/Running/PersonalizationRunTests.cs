using FedEdge.Device.Personalization;
using FedEdge.Aggregation.Engine;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Reporting;
using FedEdge.Simulation.Running;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Simulation.Tests.Running;

public sealed class PersonalizationRunTests
{
    [Fact]
    public async Task A_personalized_run_scores_every_device_with_four_models_and_reports_them()
    {
        var options = SmallFleet(PersonalizationMode.Ditto);
        var run = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        var p = Assert.IsType<FedEdge.Simulation.Results.PersonalizationResult>(run.Personalization);
        Assert.Equal("ditto", p.Mode);
        foreach (var list in new[] { p.Global, p.Personal, p.LocalOnly, p.Served })
        {
            Assert.Equal(6, list.Count);
            Assert.All(list, a => Assert.InRange(a!.Value, 0, 1));
        }

        for (int d = 0; d < 6; d++)
        {
            Assert.Equal(p.PersonalServed[d] ? p.Personal[d] : p.Global[d], p.Served[d]);
        }

        using var dir = new TempDirectory();
        var files = SimulationReport.WriteAll(dir.Path, SimulationSummary.Create(SummaryOptions.From(options), [run]), []);
        Assert.Contains(files, f => f.EndsWith(PlotRenderer.PersonalizationFile, StringComparison.Ordinal));
        string json = await File.ReadAllTextAsync(Path.Combine(dir.Path, SummaryJson.FileName), TestContext.Current.CancellationToken);
        Assert.Contains("\"local_only\"", json, StringComparison.Ordinal);
        Assert.Contains("\"personal\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_auto_run_reports_which_candidate_each_device_serves_and_the_best_candidate()
    {
        var options = SmallFleet(PersonalizationMode.Auto);
        var run = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        var p = Assert.IsType<FedEdge.Simulation.Results.PersonalizationResult>(run.Personalization);
        Assert.Equal("auto", p.Mode);
        Assert.Equal(["ditto:0.01", "ditto:0.1", "ditto:1", "head", "local-only"], p.Candidates!.Keys.Order(StringComparer.Ordinal));
        for (int d = 0; d < 6; d++)
        {
            string kind = p.ServedKind![d]!;
            double served = p.Served[d]!.Value;
            Assert.Equal(kind == "global" ? p.Global[d] : p.Candidates[kind][d], served);
            Assert.True(p.BestCandidate![d] >= served);
            // every device says what its choice rested on: its validation split, or k-fold cross-validation for a small one
            Assert.Matches("^(validation|5-fold):[0-9]+$", p.ChosenOn![d]!);
        }

        Assert.Equal(6, PersonalizationStatistics.ServedCounts(p).Values.Sum());
        using var dir = new TempDirectory();
        SimulationReport.WriteAll(dir.Path, SimulationSummary.Create(SummaryOptions.From(options), [run]), []);
        string json = await File.ReadAllTextAsync(Path.Combine(dir.Path, SummaryJson.FileName), TestContext.Current.CancellationToken);
        Assert.Contains("\"served_kind\"", json, StringComparison.Ordinal);
        var back = SummaryJson.Deserialize(json).Runs[0].Personalization!;
        Assert.Equal(p.ServedKind, back.ServedKind);
        Assert.Equal(p.ChosenOn, back.ChosenOn);
    }

    [Fact]
    public async Task The_personalization_evaluation_gives_the_same_result_on_one_worker_and_on_several()
    {
        // every device's shuffles and initial weights come from (seed, device), not from the worker that took it
        var options = SmallFleet(PersonalizationMode.Auto);
        var ct = TestContext.Current.CancellationToken;

        var one = Assert.Single(await SimulationRunner.RunAllAsync(options with { EvaluationWorkers = 1 }, null, NullLoggerFactory.Instance, ct)).Personalization!;
        var three = Assert.Single(await SimulationRunner.RunAllAsync(options with { EvaluationWorkers = 3 }, null, NullLoggerFactory.Instance, ct)).Personalization!;

        Assert.Equal(one.Global, three.Global);
        Assert.Equal(one.Personal, three.Personal);
        Assert.Equal(one.LocalOnly, three.LocalOnly);
        Assert.Equal(one.Served, three.Served);
        Assert.Equal(one.ServedKind, three.ServedKind);
        Assert.Equal(one.ChosenOn, three.ChosenOn);
        Assert.Equal(one.Candidates!.Keys, three.Candidates!.Keys);
        foreach (var (name, scores) in one.Candidates)
        {
            Assert.Equal(scores, three.Candidates[name]);
        }
    }

    /// <summary>Six homes with FedBuff (K = 3) on mains for two simulated hours, seed 1.</summary>
    private static SimulationOptions SmallFleet(PersonalizationMode mode) => new()
    {
        Devices = 6,
        Strategies = [StrategyKind.FedBuff],
        Dataset = new DatasetSource(DatasetKind.Synthetic),
        Partition = PartitionSpec.Natural,
        SamplesPerHome = 60,
        MaxTime = TimeSpan.FromHours(2),
        MainsFraction = 1,
        BufferSize = 3,
        Personalize = mode,
        Seeds = [1],
    };
}
