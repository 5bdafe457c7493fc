using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace FedEdge.Aggregator.Hosting;

/// <summary>
/// systemd's watchdog (sd_watchdog_enabled(3)): when the unit sets WatchdogSec, systemd passes
/// WATCHDOG_USEC and expects WATCHDOG=1 at least that often. Microsoft.Extensions.Hosting.Systemd
/// sends READY=1 and STOPPING=1 only, so this service pings every WATCHDOG_USEC/2 — but only while
/// the main loop's <see cref="LoopHeartbeat"/> is younger than the interval, so a hung loop gets the
/// service restarted instead of kept alive by a healthy timer.
/// </summary>
public sealed partial class SystemdWatchdog(ISystemdNotifier notifier, LoopHeartbeat heartbeat, TimeProvider time, ILogger<SystemdWatchdog> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled
            || !long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long microseconds)
            || microseconds <= 0)
        {
            return;
        }

        var interval = TimeSpan.FromMicroseconds(microseconds);
        using var timer = new PeriodicTimer(interval / 2, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (heartbeat.Age < interval)
            {
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
            else
            {
                LogStalled(heartbeat.Age.TotalSeconds);
            }
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Main loop silent for {Seconds:F0} s; withholding the watchdog ping so systemd restarts the service")]
    private partial void LogStalled(double seconds);
}
