using FedEdge.Sensors.Features;
using FedEdge.Device.Sampling;
using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Prediction;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// Hosts the <see cref="SamplingLoop"/> on a real device (registered only when
/// <see cref="AgentOptions.SimulatedSensors"/> is false): reads the registered sensor adapters every
/// <see cref="SamplingOptions.ReadInterval"/>, polls the user-feedback label file, and appends
/// labelled windows to the shared <see cref="SampleStore"/> the agent trains on.
/// </summary>
public sealed partial class SamplingService : BackgroundService
{
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SamplingService> _logger;
    private readonly ILoggerFactory _loggers;
    private readonly SampleStore _store;
    private readonly ISensorAdapter[] _adapters;
    private readonly LatestFeatures _latest;
    private readonly FeedbackLabelInbox _inbox;
    private SamplingLoop? _loop;
    private JsonLinesLabelFeed? _feed;
    private PeriodicTimer? _timer;

    /// <summary>Creates the service; adapters and store are owned by the container.</summary>
    /// <param name="options">The agent's settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="store">Where labelled samples go.</param>
    /// <param name="adapters">The sensors.</param>
    /// <param name="latest">Receives every finished window's features.</param>
    /// <param name="feedback">User feedback labels, shared with the agent's MQTT feedback topic; null = a private one (file feed only).</param>
    public SamplingService(
        IOptions<AgentOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        SampleStore store,
        IEnumerable<ISensorAdapter> adapters,
        LatestFeatures latest,
        FeedbackLabelInbox? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(latest);
        _options = options.Value;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<SamplingService>();
        _store = store;
        _adapters = [.. adapters];
        _latest = latest;
        _inbox = feedback ?? new FeedbackLabelInbox();
    }

    /// <summary>Builds the loop (start-up checks belong here, not in ExecuteAsync).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_adapters.Length == 0)
        {
            LogNoSensors();
            return Task.CompletedTask;
        }

        var inbox = _inbox;
        var motion = new RecentMotionRule(new RecentMotionRuleOptions { VacantLabel = "empty" });
        if (!string.IsNullOrEmpty(_options.Sampling.LabelFeedPath))
        {
            _feed = new JsonLinesLabelFeed(_options.Sampling.LabelFeedPath, inbox);
        }

        _loop = new SamplingLoop(
            _adapters,
            _store,
            [inbox, motion],
            motion,
            new LabelSet(SmartHomeSchema.ClassNames),
            _options.Sampling,
            _time,
            _loggers.CreateLogger<SamplingLoop>())
        {
            Latest = _latest,
            LateFeedback = inbox,
        };

        // created here, not in ExecuteAsync (which .NET 10 runs on a background thread): the first
        // read is one interval after start, whenever the background thread gets going
        _timer = new PeriodicTimer(_options.Sampling.ReadInterval, _time);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loop = _loop!;
        var timer = _timer!;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    if (_feed?.Poll() is { Rejected: > 0 } polled)
                    {
                        LogLabelsRejected(polled.Rejected, polled.LastProblem);
                    }

                    loop.Tick();
                }
                catch (Exception ex) when (ex is SampleStoreFormatException or Microsoft.Data.Sqlite.SqliteException or IOException)
                {
                    // the label file is unreadable, the store damaged or the disk full: keep reading, the next tick tries again
                    LogStoreFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: the window in progress is dropped
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "No sensor adapters are registered: the device collects no samples")]
    private partial void LogNoSensors();

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Rejected {Count} feedback labels: {Problem}")]
    private partial void LogLabelsRejected(int count, string? problem);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "Could not read labels or store a sample; retrying at the next tick")]
    private partial void LogStoreFailed(Exception exception);
}
