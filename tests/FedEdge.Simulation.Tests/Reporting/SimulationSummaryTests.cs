using FedEdge.Simulation.Reporting;
using FedEdge.Simulation.Results;

namespace FedEdge.Simulation.Tests.Reporting;

/// <summary>
/// Aggregates of <see cref="RunFixtures.Runs"/> worked out by hand. Tolerance 1e-9 relative: the
/// values are exact in decimal and pass through a few double operations.
/// </summary>
public class SimulationSummaryTests
{
    private static readonly SimulationSummary Summary = SimulationSummary.Create(RunFixtures.Options(), RunFixtures.Runs());

    private static void Near(double expected, double? actual) =>
        Assert.True(actual is double a && Math.Abs(a - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Fact]
    public void Create_lists_strategies_in_the_order_of_the_options()
    {
        Assert.Equal(["ftte", "fedavg"], Summary.Strategies.Select(s => s.Strategy));
    }

    [Fact]
    public void Create_orders_runs_by_strategy_then_seed_whatever_order_they_arrive_in()
    {
        SimulationSummary shuffled = SimulationSummary.Create(RunFixtures.Options(), [.. RunFixtures.Runs().Reverse()]);
        Assert.Equal(Summary.Runs.Select(r => (r.Strategy, r.Seed)), shuffled.Runs.Select(r => (r.Strategy, r.Seed)));
        Assert.Equal(SummaryJson.Serialize(Summary), SummaryJson.Serialize(shuffled));
    }

    [Fact]
    public void Create_averages_hours_to_target_over_all_seeds_when_all_reached_it()
    {
        // fedavg 4, 5, 6: mean 5, Σ(x − 5)² = 2, sd √(2/2) = 1.
        StrategySummary fedAvg = Summary.Find("fedavg")!;
        Near(5, fedAvg.HoursToTarget.Mean);
        Near(1, fedAvg.HoursToTarget.StandardDeviation);
        Assert.Equal(3, fedAvg.HoursToTarget.Count);
        Assert.Equal(3, fedAvg.ReachedTarget);
    }

    [Fact]
    public void Create_averages_hours_to_target_only_over_the_seeds_that_reached_it()
    {
        // ftte 2, 3 (third seed never): mean 2.5, Σ(x − 2.5)² = 0.5, sd √0.5.
        StrategySummary ftte = Summary.Find("ftte")!;
        Near(2.5, ftte.HoursToTarget.Mean);
        Near(Math.Sqrt(0.5), ftte.HoursToTarget.StandardDeviation);
        Assert.Equal(2, ftte.HoursToTarget.Count);
        Assert.Equal(2, ftte.ReachedTarget);
        Assert.Equal(3, ftte.Seeds);
        Assert.Equal(2, ftte.UploadBytesToTarget.Count);
        Near(150_000, ftte.UploadBytesToTarget.Mean);
    }

    [Fact]
    public void Create_aggregates_accuracy_bytes_memory_and_updates_over_every_seed()
    {
        StrategySummary fedAvg = Summary.Find("fedavg")!;
        // .80, .82, .84: mean .82, sd √((.0004 + 0 + .0004)/2) = .02.
        Near(0.82, fedAvg.FinalAccuracy.Mean);
        Near(0.02, fedAvg.FinalAccuracy.StandardDeviation);
        Near(0.83, fedAvg.BestAccuracy.Mean);
        // 1.0, 1.2, 1.4 MB: mean 1.2e6, sd 2e5.
        Near(1_200_000, fedAvg.UploadBytes.Mean);
        Near(200_000, fedAvg.UploadBytes.StandardDeviation);
        Near(4_000_000, fedAvg.PeakTrainingMemoryBytes.Mean);
        Near(0, fedAvg.PeakTrainingMemoryBytes.StandardDeviation);
        // 100, 110, 120: mean 110, sd 10.
        Near(110, fedAvg.AcceptedUpdates.Mean);
        Near(10, fedAvg.AcceptedUpdates.StandardDeviation);

        StrategySummary ftte = Summary.Find("ftte")!;
        // .83, .85, .78: mean .82, deviations .01, .03, −.04, Σ = .0026, sd √.0013.
        Near(0.82, ftte.FinalAccuracy.Mean);
        Near(Math.Sqrt(0.0013), ftte.FinalAccuracy.StandardDeviation);
    }

    [Fact]
    public void Create_takes_ratios_against_fedavg_from_the_means()
    {
        FedAvgComparison c = Summary.Find("ftte")!.VersusFedAvg!;
        Near(2.5 / 5, c.TimeToTargetRatio);            // 0.5
        Near(300_000 / 1_200_000.0, c.PayloadRatio);    // 0.25
        Near(150_000 / 600_000.0, c.PayloadToTargetRatio); // 0.25
        Near(1_000_000 / 4_000_000.0, c.MemoryRatio);   // 0.25
    }

    [Fact]
    public void Create_gives_fedavg_no_comparison_with_itself()
    {
        Assert.Null(Summary.Find("fedavg")!.VersusFedAvg);
    }

    [Fact]
    public void Create_gives_no_comparison_when_fedavg_was_not_run()
    {
        RunResult[] ftteOnly = [.. RunFixtures.Runs().Where(r => r.Strategy == "ftte")];
        SimulationSummary summary = SimulationSummary.Create(RunFixtures.Options() with { Strategies = ["ftte"] }, ftteOnly);
        Assert.Single(summary.Strategies);
        Assert.Null(summary.Strategies[0].VersusFedAvg);
    }

    [Fact]
    public void Create_leaves_the_time_ratio_undefined_when_a_strategy_never_reached_the_target()
    {
        RunResult[] runs = [.. RunFixtures.Runs().Select(r => r.Strategy == "ftte" ? r with { HoursToTarget = null, UploadBytesToTarget = null } : r)];
        FedAvgComparison c = SimulationSummary.Create(RunFixtures.Options(), runs).Find("ftte")!.VersusFedAvg!;
        Assert.Null(c.TimeToTargetRatio);
        Assert.Null(c.PayloadToTargetRatio);
        Assert.NotNull(c.MemoryRatio);
    }

    [Fact]
    public void Describe_states_the_changes_against_fedavg_as_signed_percentages()
    {
        string text = Summary.Find("ftte")!.VersusFedAvg!.Describe();
        Assert.Equal("ftte vs fedavg: \u221250.0 % time to target, \u221275.0 % payload to target, \u221275.0 % payload over the run, \u221275.0 % peak training memory", text);
    }

    [Fact]
    public void Change_marks_an_increase_with_a_plus_and_a_missing_ratio_as_na()
    {
        Assert.Equal("+25.0 %", FedAvgComparison.Change(1.25));
        Assert.Equal("n/a", FedAvgComparison.Change(null));
    }
}
