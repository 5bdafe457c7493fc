using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace FedEdge.Hosting;

/// <summary>
/// systemd's watchdog (sd_watchdog_enabled(3)): when the unit sets WatchdogSec, systemd passes
/// WATCHDOG_USEC and expects WATCHDOG=1 at least that often. Microsoft.Extensions.Hosting.Systemd
/// sends READY=1 and STOPPING=1 only, so this service pings every WATCHDOG_USEC/2 — but only while
/// the main loop's <see cref="LoopHeartbeat"/> is younger than the interval, so a hung loop gets the
/// service restarted instead of kept alive by a healthy timer.
/// </summary>
public sealed partial class SystemdWatchdog : BackgroundService
{
    private readonly ISystemdNotifier _notifier;
    private readonly LoopHeartbeat _heartbeat;
    private readonly TimeProvider _time;
    private readonly ILogger<SystemdWatchdog> _logger;
    private readonly TimeSpan? _interval;
    private readonly TaskCompletionSource _armed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reads the interval from WATCHDOG_USEC (absent: the watchdog does nothing).</summary>
    public SystemdWatchdog(ISystemdNotifier notifier, LoopHeartbeat heartbeat, TimeProvider time, ILogger<SystemdWatchdog> logger)
        : this(notifier, heartbeat, time, logger, IntervalFromEnvironment())
    {
    }

    internal SystemdWatchdog(ISystemdNotifier notifier, LoopHeartbeat heartbeat, TimeProvider time, ILogger<SystemdWatchdog> logger, TimeSpan? interval)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _notifier = notifier;
        _heartbeat = heartbeat;
        _time = time;
        _logger = logger;
        _interval = interval;
    }

    /// <summary>Completes once the ping timer exists (tests advance a fake clock only after this).</summary>
    internal Task Armed => _armed.Task;

    /// <summary>WATCHDOG_USEC as a time span, or null when systemd did not arm a watchdog.</summary>
    public static TimeSpan? IntervalFromEnvironment() =>
        long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds)
            : null;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_notifier.IsEnabled || _interval is not TimeSpan interval)
        {
            _armed.TrySetResult();
            return;
        }

        using var timer = new PeriodicTimer(interval / 2, _time);
        _armed.TrySetResult();
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (_heartbeat.Age < interval)
            {
                _notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
            else
            {
                LogStalled(_heartbeat.Age.TotalSeconds);
            }
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Main loop silent for {Seconds:F0} s; withholding the watchdog ping so systemd restarts the service")]
    private partial void LogStalled(double seconds);
}
