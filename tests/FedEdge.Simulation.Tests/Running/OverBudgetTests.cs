using FedEdge.Aggregation.Engine;
using FedEdge.Simulation.Fleet;
using FedEdge.Simulation.Results;
using FedEdge.Simulation.Running;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Simulation.Tests.Running;

public sealed class OverBudgetTests
{
    // The smart-home model of the small runs needs 15,480 B to train densely (TrainingMemoryModel; checked below): the
    // "tiny" board's 8 KiB cannot hold it, the "big" board's 512 KiB can.
    private static readonly BoardClass Tiny = new("tiny", 0.5, 8 * 1024, 2_000, 500_000);
    private static readonly BoardClass Big = new("big", 0.5, 512 * 1024, 5_000, 2_000_000);

    private static SimulationOptions Options(StrategyKind strategy, bool sitOut) =>
        DeterminismTests.Small(strategy) with { Boards = [Tiny, Big], OverBudgetSitsOut = sitOut, MaxTime = TimeSpan.FromHours(6), BufferSize = 2 };

    [Fact]
    public async Task Under_FedBuff_a_board_over_budget_sits_out_and_the_others_still_learn()
    {
        var trains = Assert.Single(await SimulationRunner.RunAllAsync(Options(StrategyKind.FedBuff, sitOut: false), null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));
        var sitsOut = Assert.Single(await SimulationRunner.RunAllAsync(Options(StrategyKind.FedBuff, sitOut: true), null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        Assert.True(Class(trains, "tiny").Devices > 0 && Class(trains, "big").Devices > 0, "the fleet must hold both boards");
        Assert.InRange(trains.PeakTrainingMemoryBytes, Tiny.TrainingBudgetBytes + 1, Big.TrainingBudgetBytes); // the whole model's modelled bytes
        Assert.True(Class(trains, "tiny").AcceptedUpdates > 0, "by default the tiny board trains beyond its budget");
        Assert.Equal(0, trains.OverBudgetSitOuts);

        Assert.Equal(0, Class(sitsOut, "tiny").AcceptedUpdates);
        Assert.True(sitsOut.OverBudgetSitOuts > 0, "the tiny boards had models to train and sat them out");
        Assert.True(Class(sitsOut, "big").AcceptedUpdates > 0, "the big boards still contribute");
        Assert.True(sitsOut.FinalVersion > 1, $"the fleet still learns (v{sitsOut.FinalVersion})");
    }

    [Fact]
    public async Task Under_FTTE_the_tiny_board_trains_its_subset_so_sitting_out_changes_nothing()
    {
        var trains = Assert.Single(await SimulationRunner.RunAllAsync(Options(StrategyKind.Ftte, sitOut: false), null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));
        var sitsOut = Assert.Single(await SimulationRunner.RunAllAsync(Options(StrategyKind.Ftte, sitOut: true), null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        Assert.True(Class(sitsOut, "tiny").AcceptedUpdates > 0, "the tiny board trains the subset that fits its budget");
        Assert.Equal(0, sitsOut.OverBudgetSitOuts);
        Assert.Equal(trains.FinalModelSha256, sitsOut.FinalModelSha256);
    }

    private static MemoryClassParticipation Class(RunResult run, string name) => Assert.Single(run.Participation, p => p.MemoryClass == name);
}
