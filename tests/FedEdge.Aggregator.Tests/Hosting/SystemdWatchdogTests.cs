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

        public int Count
        {
            get
            {
                lock (Sent)
                {
                    return Sent.Count;
                }
            }
        }

        public void Notify(ServiceState state)
        {
            lock (Sent)
            {
                Sent.Add(state.ToString());
            }
        }
    }

    private static async Task WaitForCountAsync(RecordingNotifier notifier, int count)
    {
        // the watchdog's loop runs on the thread pool: wait (bounded) until it has handled the tick
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (notifier.Count < count)
        {
            Assert.False(deadline.IsCancellationRequested, $"expected {count} pings, saw {notifier.Count}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
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
        await watchdog.Armed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // interval 60 s → a tick every 30 s; the loop beats before each tick
        for (int i = 1; i <= 4; i++)
        {
            heartbeat.Beat();
            time.Advance(TimeSpan.FromSeconds(30));
            await WaitForCountAsync(notifier, i);
        }

        Assert.All(notifier.Sent, s => Assert.Equal("WATCHDOG=1", s));

        // the loop stops beating: its last beat was 30 s before the 4th ping, so at the next tick the heartbeat is
        // already one interval (60 s) old and the pings stop, so that systemd restarts the service
        for (int i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal(4, notifier.Count);
        await watchdog.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Without_a_watchdog_interval_it_sends_nothing()
    {
        var time = new FakeTimeProvider();
        var notifier = new RecordingNotifier();
        using var watchdog = new SystemdWatchdog(notifier, new LoopHeartbeat(time), time, NullLogger<SystemdWatchdog>.Instance, null);
        await watchdog.StartAsync(TestContext.Current.CancellationToken);
        await watchdog.Armed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        for (int i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, notifier.Count);
        await watchdog.StopAsync(TestContext.Current.CancellationToken);
    }
}
