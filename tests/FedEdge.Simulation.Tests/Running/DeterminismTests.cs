using FedEdge.Aggregation.Engine;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Results;
using FedEdge.Simulation.Running;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Simulation.Tests.Running;

public sealed class DeterminismTests
{
    internal static SimulationOptions Small(StrategyKind strategy) => new()
    {
        Devices = 8,
        Strategies = [strategy],
        Dataset = new DatasetSource(DatasetKind.Synthetic),
        Partition = PartitionSpec.Natural,
        SamplesPerHome = 40,
        MaxTime = TimeSpan.FromHours(3),
        MainsFraction = 0.5,
        BufferSize = 3,
        ClientsPerRound = 4,
        Seeds = [42],
    };

    [Theory]
    [InlineData(StrategyKind.Ftte)]
    [InlineData(StrategyKind.FedAvg)]
    public async Task Two_runs_with_one_seed_give_identical_results(StrategyKind strategy)
    {
        var first = await SimulationRunner.RunAllAsync(Small(strategy), null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken);
        var second = await SimulationRunner.RunAllAsync(Small(strategy), null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken);
        var a = Assert.Single(first);
        var b = Assert.Single(second);
        Assert.True(a.FinalVersion > 1, $"the run must learn something to be a meaningful comparison (v{a.FinalVersion})");
        AssertSame(a, b);
    }

    [Fact]
    public async Task A_different_seed_gives_a_different_run()
    {
        var a = Assert.Single(await SimulationRunner.RunAllAsync(Small(StrategyKind.Ftte), null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));
        var b = Assert.Single(await SimulationRunner.RunAllAsync(Small(StrategyKind.Ftte) with { Seeds = [43] }, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));
        Assert.NotEqual(a.FinalModelSha256, b.FinalModelSha256);
    }

    [Fact]
    public async Task User_level_DP_spends_at_most_each_devices_budget_and_the_ledger_stops_it()
    {
        var options = Small(StrategyKind.FedBuff) with { Privacy = FedEdge.Device.Contribution.ContributionPrivacy.UserLevel, Epsilon = 2, ContributionsPerDevice = 3 };
        var run = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));
        Assert.All(run.EpsilonPerDevice, e => Assert.InRange(e, 0, 2.0 + 1e-9));
        Assert.True(run.EpsilonPerDevice.Max() > 1.0, "devices did spend budget");
        Assert.True(run.BudgetRefusals > 0, "with 3 affordable contributions in 3 h some device must have been refused");
    }

    [Theory]
    [InlineData(StrategyKind.FedBuff, 0.3)]
    [InlineData(StrategyKind.FedAvg, 1.0)]
    public async Task A_check_in_with_nothing_new_opens_no_broker_session_and_changes_no_decision(StrategyKind strategy, double checkInRate)
    {
        // a fifth of the upload sessions lost: some updates wait in the outbox, and a check-in that finds one must open a
        // session; FedBuff's pace changes with every accepted update, so there random check-ins (q = 0.3) leave most offers declined
        var options = Small(strategy) with
        {
            LossProbability = 0.2,
            Privacy = checkInRate < 1 ? FedEdge.Device.Contribution.ContributionPrivacy.UserLevel : FedEdge.Device.Contribution.ContributionPrivacy.None,
            CheckInRate = checkInRate,
        };
        var quiet = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));
        var full = Assert.Single(await SimulationRunner.RunAllAsync(options with { QuietCheckIns = false }, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        Assert.True(quiet.FinalVersion > 1, $"the run must learn something to be a meaningful comparison (v{quiet.FinalVersion})");
        Assert.True(quiet.QuietCheckIns > 0, "between two models most check-ins bring nothing new");
        Assert.True(quiet.QuietCheckIns < quiet.CheckIns, "a new model or pace still needs a session");
        Assert.Equal(0, full.QuietCheckIns);
        Assert.Equal(full.CheckIns, quiet.CheckIns);
        Assert.Equal(full.BrokerSessions - quiet.QuietCheckIns, quiet.BrokerSessions);
        AssertSame(quiet with { QuietCheckIns = 0, BrokerSessions = 0 }, full with { BrokerSessions = 0 });
    }

    internal static void AssertSame(RunResult a, RunResult b)
    {
        Assert.Equal(a.FinalModelSha256, b.FinalModelSha256);
        Assert.Equal(a.Timeline, b.Timeline);
        // Everything else, field by field through JSON (records compare collections by reference); only wall time may differ.
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a with { WallSeconds = 0 }), System.Text.Json.JsonSerializer.Serialize(b with { WallSeconds = 0 }));
    }
}
