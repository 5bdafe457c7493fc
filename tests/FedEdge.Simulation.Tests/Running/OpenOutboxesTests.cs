using FedEdge.Aggregation.Engine;
using FedEdge.Protocol.Outbox;
using FedEdge.Simulation.Devices;
using FedEdge.Simulation.Running;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Simulation.Tests.Running;

public sealed class OpenOutboxesTests
{
    [Fact]
    public async Task Beyond_the_limit_the_least_recently_active_outbox_is_released_and_reopens_on_its_next_call()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("fededge-open-outboxes-");
        try
        {
            var outboxes = Enumerable.Range(0, 3).Select(i => SqliteOutbox.Open(
                new OutboxOptions { DatabasePath = Path.Combine(directory.FullName, $"{i}.db") }, TimeProvider.System, NullLogger<SqliteOutbox>.Instance)).ToArray();
            var open = new OpenOutboxes(2);

            open.Touch(outboxes[0]);
            open.Touch(outboxes[1]);
            open.Touch(outboxes[0]); // now the most recent: 1 is the oldest
            open.Touch(outboxes[2]);

            Assert.Equal([true, false, true], outboxes.Select(o => o.IsOpen));
            Assert.Equal(2, open.Count);
            Assert.Equal(default, await outboxes[1].GetUsageAsync(ct));
            Assert.True(outboxes[1].IsOpen);
            open.Touch(outboxes[1]);
            Assert.Equal([false, true, true], outboxes.Select(o => o.IsOpen));

            foreach (var outbox in outboxes)
            {
                outbox.Dispose();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(StrategyKind.FedBuff)]
    [InlineData(StrategyKind.FedAvg)]
    public async Task A_run_with_one_open_outbox_equals_a_run_with_every_outbox_open(StrategyKind strategy)
    {
        // lost uploads leave updates in released outboxes for the next check-in
        var options = DeterminismTests.Small(strategy) with { LossProbability = 0.3, Seeds = [7] };
        var ct = TestContext.Current.CancellationToken;

        var one = Assert.Single(await SimulationRunner.RunAllAsync(options with { OpenOutboxes = 1 }, null, NullLoggerFactory.Instance, ct));
        var all = Assert.Single(await SimulationRunner.RunAllAsync(options with { OpenOutboxes = 8 }, null, NullLoggerFactory.Instance, ct));

        Assert.True(one.AcceptedUpdates > 3, $"the run must carry updates to be a meaningful comparison ({one.AcceptedUpdates})");
        DeterminismTests.AssertSame(one, all);
    }
}
