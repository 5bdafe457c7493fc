using FedEdge.Sensors.Features;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Diagnostics;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Feedback;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Hosting;
using FedEdge.Onnx.Training;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Storage;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// The hosted driver of <see cref="DeviceAgent"/> over MQTT and the real sensors: hands it every model, pace and feedback
/// message (and acknowledges them after), ticks it every CheckInterval with what /proc, sysfs and the sample store say,
/// runs the contribution it allows, and publishes the status and diagnostics it builds — retained, with availability
/// (last will = "offline") and Home Assistant discovery announced on every (re)connect. Its parts come from DI
/// (<see cref="AgentServiceCollectionExtensions.AddFedEdgeAgent"/>).
/// </summary>
/// <remarks>
/// Errors: a contribution that fails for a reason the next tick may not meet (a full outbox, a broken artifact, an I/O
/// error, a busy or full database) is logged with a running count and retried; anything else ends the loop, which stops the
/// host with exit code 1 (<see cref="ServiceHost"/>) so that systemd restarts the agent.
/// </remarks>
public sealed partial class AgentService(
    IOptions<AgentOptions> options,
    DeviceAgent agent,
    ReconnectingMqttClient client,
    AgentSensors sensors,
    AgentPresence presence,
    LoopHeartbeat heartbeat,
    TimeProvider time,
    ILogger<AgentService> logger,
    FeedbackLabelInbox? feedback = null) : BackgroundService
{
    private static readonly TimeSpan EligibilityRecheck = TimeSpan.FromSeconds(1);

    /// <summary>The longest the main loop sleeps without beating its heartbeat (well inside a 60 s WatchdogSec).</summary>
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);
    private readonly AgentOptions _options = options.Value;
    private readonly WireParser _parser = new();
    private readonly LabelSet _labels = new(SmartHomeSchema.ClassNames);

    // SQLite result codes (sqlite3.h): SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteFull = 13;
    private long _survivedFailures;

    /// <summary>Start-up: subscriptions, then the client's connect loop.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await client.SubscribeAsync(TopicScheme.Model(_options.Fleet), cancellationToken).ConfigureAwait(false);
        await client.SubscribeAsync(TopicScheme.Pace(_options.Fleet), cancellationToken).ConfigureAwait(false);
        if (feedback is not null)
        {
            await client.SubscribeAsync(TopicScheme.Feedback(_options.Fleet, _options.DeviceId), cancellationToken).ConfigureAwait(false);
        }

        if (_options.Privacy.Mode == ContributionPrivacy.Distributed)
        {
            // the aggregator's secure-aggregation messages for this device only (the ACL lets it read no other inbox); never
            // retained, so the broker is asked not to replay any at subscribe time
            await client.SubscribeAsync(TopicScheme.SecAggInbox(_options.Fleet, _options.DeviceId), sendRetained: false, cancellationToken).ConfigureAwait(false);
        }

        presence.RestoreLastContribution();
        client.Start();
        LogStarted(_options.DeviceId, _options.Fleet, agent.Installed?.Version ?? 0, agent.Ledger.RemainingEpsilon);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await presence.SayOfflineAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticker = new PeriodicTimer(_options.CheckInterval, time);
        Task<bool> tick = ticker.WaitForNextTickAsync(stoppingToken).AsTask();
        Task<bool>? message = null;
        Task? beat = null;
        Task? connection = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // one pending wait of each kind: a new one per wake-up would pile up waiters; the heartbeat wakes the loop
                // within HeartbeatPeriod whatever CheckInterval is; the client's loop owns connecting, this one announces
                message ??= client.Inbound.WaitToReadAsync(stoppingToken).AsTask();
                beat ??= Task.Delay(HeartbeatPeriod, time, stoppingToken);
                connection ??= client.WaitForConnectionAsync(presence.AnnouncedConnections, stoppingToken);
                await Task.WhenAny(message, tick, beat, connection).ConfigureAwait(false);
                message = message.IsCompleted ? null : message;
                beat = beat.IsCompleted ? null : beat;
                heartbeat.Beat();
                if (connection.IsCompleted)
                {
                    connection = null;
                    await presence.AnnounceAsync(stoppingToken).ConfigureAwait(false);
                }

                while (client.Inbound.TryRead(out var received))
                {
                    Handle(received);
                    await received.AcknowledgeAsync(stoppingToken).ConfigureAwait(false); // installed or refused: the broker may forget it
                }

                await PublishSecureAggregationAsync(stoppingToken).ConfigureAwait(false);

                if (tick.IsCompleted)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        break;
                    }

                    await TickAsync(stoppingToken).ConfigureAwait(false);
                    tick = ticker.WaitForNextTickAsync(stoppingToken).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // graceful stop: the runner stops within one step, the outbox keeps what was not acknowledged
        }
    }

    private void Handle(ReceivedMessage received)
    {
        if (!TopicScheme.TryParse(received.Topic, out var address, out _))
        {
            return;
        }

        if (address.Kind == TopicKind.Model)
        {
            var parsed = _parser.ParseGlobalModel(received.Payload.Span);
            if (parsed.TryGet(out var model, out string reason))
            {
                agent.Offer(model);
            }
            else
            {
                agent.RefuseUnparsable(reason);
            }
        }
        else if (address.Kind == TopicKind.Pace && _parser.ParsePace(received.Payload.Span).TryGet(out var pace, out _))
        {
            agent.ObservePace(pace);
        }
        else if (address.Kind == TopicKind.SecAggInbox && address.Fleet == _options.Fleet && address.Device == _options.DeviceId)
        {
            agent.ReceiveSecureAggregation(received.Payload.Span);
        }
        else if (address.Kind == TopicKind.Feedback && address.Device == _options.DeviceId && feedback is not null)
        {
            // the sampler keeps the last RecentWindowsKept unlabelled windows: older feedback has nothing left to label
            var maxAge = _options.Sampling.WindowLength * SamplingLoop.RecentWindowsKept;
            if (FeedbackMessage.TryParse(received.Payload.Span, _labels, time.GetUtcNow(), maxAge, out var labelEvent, out string? problem) && feedback.TryPush(labelEvent, out problem))
            {
                LogFeedbackAccepted(labelEvent.Label, labelEvent.Time);
            }
            else
            {
                LogFeedbackRefused(problem);
            }
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (agent.Evaluate(sensors.Read(time.GetUtcNow())).Eligible)
            {
                await presence.PublishStateAsync(cancellationToken).ConfigureAwait(false); // "training" before the run: no tick publishes while it lasts
                var samples = sensors.Samples.ReadNewest(_options.Training.MaxSamples);
                var lastCheck = time.GetUtcNow();
                bool eligible = true;

                // asked before every step; the sources are re-read at most once a second. ORT training is synchronous CPU work
                // and runs off the loop's thread, which only awaits it, so the core is never used concurrently.
                bool StillEligible()
                {
                    heartbeat.Beat();
                    var now = time.GetUtcNow();
                    if (eligible && now - lastCheck >= EligibilityRecheck)
                    {
                        eligible = agent.StillEligible(sensors.Read(now));
                        lastCheck = now;
                    }

                    return eligible && !cancellationToken.IsCancellationRequested;
                }

                await Task.Run(() => agent.ContributeAsync(samples, StillEligible, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OutboxFullException or TrainingArtifactException or IOException or SampleStoreFormatException || IsTransient(ex))
        {
            // the device stays up (and keeps draining its outbox); the next tick tries again
            LogContributionFailed(++_survivedFailures, ex);
        }

        await PublishSecureAggregationAsync(cancellationToken).ConfigureAwait(false);
        await presence.PublishStateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Distributed DP: publishes the participant's messages on this device's secagg topic (QoS 1, not retained). Not through
    /// the outbox: a message that cannot go now is late for its phase anyway, and a lost one is a dropout the group tolerates.
    /// </summary>
    private async Task PublishSecureAggregationAsync(CancellationToken cancellationToken)
    {
        foreach (var message in agent.TakeSecureAggregationMessages())
        {
            try
            {
                await client.PublishAsync(TopicScheme.SecAgg(_options.Fleet, _options.DeviceId), message.ToByteArray(), retain: false, cancellationToken).ConfigureAwait(false);
            }
            catch (TransportUnavailableException ex)
            {
                LogSecAggNotSent(message.BodyCase.ToString(), ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Secure-aggregation message {Kind} not sent (a dropout for its group): {Reason}")]
    private partial void LogSecAggNotSent(string kind, string reason);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Agent {Device} started in fleet {Fleet}: model version {Version}, ε left {EpsilonLeft}")]
    private partial void LogStarted(string device, string fleet, ulong version, double epsilonLeft);

    /// <summary>
    /// A database error the next tick may not meet again: busy or locked (another connection holds it), or full (the disk
    /// may be freed). Any other <see cref="SqliteException"/> — a corrupt or unreadable outbox — escapes the loop and stops
    /// the agent with exit code 1, so systemd restarts it and the journal says why.
    /// </summary>
    private static bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked or SqliteFull };

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Contribution failed ({Count} survived since start); retrying at the next check")]
    private partial void LogContributionFailed(long count, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Feedback label {Label} at {At} accepted")]
    private partial void LogFeedbackAccepted(string label, DateTimeOffset at);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Feedback ignored: {Reason}")]
    private partial void LogFeedbackRefused(string reason);
}
