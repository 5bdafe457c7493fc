using FedEdge.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Aggregator.Tests.Hosting;

public class SystemdWatchdogTests
{
    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> Sent { get; } = [];

        public bool IsEnabled => true;

        public void Notify(ServiceState state)
        {
            lock (Sent)
            {
                Sent.Add(state.ToString());
            }
        }
    }

    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by)
    {
        // one timer period at a time, yielding so the watchdog's loop runs between ticks
        for (int i = 0; i < 4; i++)
        {
            time.Advance(by / 4);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task It_pings_every_half_interval_while_the_main_loop_beats_and_stops_when_it_stalls()
    {
        var time = new FakeTimeProvider();
        var heartbeat = new LoopHeartbeat(time);
        var notifier = new RecordingNotifier();
        using var watchdog = new SystemdWatchdog(notifier, heartbeat, time, NullLogger<SystemdWatchdog>.Instance, TimeSpan.FromSeconds(60));
        await watchdog.StartAsync(TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);

        for (int i = 0; i < 4; i++)
        {
            heartbeat.Beat();
            await AdvanceAsync(time, TimeSpan.FromSeconds(30));
        }

        int whileAlive = notifier.Sent.Count;
        Assert.InRange(whileAlive, 3, 4);
        Assert.All(notifier.Sent, s => Assert.Equal("WATCHDOG=1", s));

        // the loop stops beating: after one interval the pings stop, so systemd will restart the service
        await AdvanceAsync(time, TimeSpan.FromSeconds(90));
        int afterStall = notifier.Sent.Count;
        await AdvanceAsync(time, TimeSpan.FromSeconds(120));
        Assert.Equal(afterStall, notifier.Sent.Count);
        Assert.True(afterStall - whileAlive <= 2, $"{afterStall - whileAlive} pings after the loop stalled");
        await watchdog.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Without_a_watchdog_interval_it_sends_nothing()
    {
        var time = new FakeTimeProvider();
        var notifier = new RecordingNotifier();
        using var watchdog = new SystemdWatchdog(notifier, new LoopHeartbeat(time), time, NullLogger<SystemdWatchdog>.Instance, null);
        await watchdog.StartAsync(TestContext.Current.CancellationToken);
        await AdvanceAsync(time, TimeSpan.FromMinutes(10));
        Assert.Empty(notifier.Sent);
        await watchdog.StopAsync(TestContext.Current.CancellationToken);
    }
}
