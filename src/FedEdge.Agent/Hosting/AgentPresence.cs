using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Diagnostics;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// What the broker and Home Assistant know of the device: its retained status and diagnostics (both built by
/// <see cref="DeviceAgent"/>), its availability and its discovery configs. Publishes them when due or changed, announces
/// them on every (re)connect and says "offline" at a graceful stop; keeps the diagnostics file <c>fededge-agent status</c> reads.
/// </summary>
public sealed partial class AgentPresence(
    IOptions<AgentOptions> options,
    DeviceAgent agent,
    ReconnectingMqttClient client,
    AgentSensors sensors,
    ServedModelState served,
    PredictionPublisher predictions,
    TimeProvider time,
    ILogger<AgentPresence> logger)
{
    private readonly AgentOptions _options = options.Value;
    private readonly DiagnosticsThrottle _diagnosticsThrottle = new(options.Value.StatusInterval);
    private readonly DiagnosticsFile _diagnosticsFile = new(options.Value.StateDirectory);
    private DateTimeOffset _nextStatus;
    private DeviceState _publishedState = DeviceState.Unspecified;

    /// <summary>The client connection last announced on.</summary>
    public long AnnouncedConnections { get; private set; }

    /// <summary>When the device last contributed: from its saved diagnostics, else (already) from its privacy ledger.</summary>
    public void RestoreLastContribution() =>
        agent.LastContribution = _diagnosticsFile.TryRead(out _)?.LastContribution ?? agent.LastContribution;

    /// <summary>
    /// Everything a (re)connection must re-establish, in order of importance: availability "online", the status (the
    /// aggregator re-adds a device from it), the diagnostics, and the Home Assistant entities (or their removal when
    /// predictions are off). Done for this connection whatever happens: a lost link means a new one, which announces again.
    /// </summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        AnnouncedConnections = client.Connections;
        try
        {
            await TryPublishAsync(TopicScheme.Availability(_options.Fleet, _options.DeviceId), DeviceAvailability.OnlinePayload, "availability", cancellationToken).ConfigureAwait(false);
            _publishedState = DeviceState.Unspecified; // forces the status out now
            await PublishStateAsync(cancellationToken, forceDiagnostics: true).ConfigureAwait(false);
            await TryAsync(() => predictions.AnnounceAsync(_options.Prediction.Enabled, cancellationToken), "a Home Assistant discovery config").ConfigureAwait(false);
            LogAnnounced(AnnouncedConnections, _options.Prediction.Enabled ? "announced" : "removed");
        }
        catch (TransportUnavailableException ex)
        {
            LogAnnounceDeferred(ex.Message);
        }
    }

    /// <summary>The status when due or changed, then the diagnostics when <see cref="DiagnosticsThrottle"/> says so (saved for <c>fededge-agent status</c>).</summary>
    public async Task PublishStateAsync(CancellationToken cancellationToken, bool forceDiagnostics = false)
    {
        var now = time.GetUtcNow();
        var state = agent.State;
        try
        {
            if ((now >= _nextStatus || state != _publishedState) && client.IsConnected)
            {
                // a refusal (an ACL without the status line) is logged and retried at the next interval, like a success
                await TryPublishAsync(TopicScheme.Status(_options.Fleet, _options.DeviceId), agent.Status(state, sensors.Power.Read(), served.Current).ToByteArray(), "the status", cancellationToken).ConfigureAwait(false);
                (_nextStatus, _publishedState) = (now + _options.StatusInterval, state);
            }

            var diagnostics = agent.Diagnostics(state, served.Current, (await agent.Outbox.GetUsageAsync(cancellationToken).ConfigureAwait(false)).Entries);
            bool due = _diagnosticsThrottle.IsDue(diagnostics, now);
            if (due)
            {
                Save(diagnostics);
            }

            if (due || forceDiagnostics)
            {
                _diagnosticsThrottle.Emitted(diagnostics, now);
                if (client.IsConnected)
                {
                    await TryPublishAsync(TopicScheme.Diagnostics(_options.Fleet, _options.DeviceId), DeviceDiagnosticsJson.Write(diagnostics), "diagnostics", cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (TransportUnavailableException ex) when (!forceDiagnostics)
        {
            LogStatusDeferred(ex.Message);
        }
    }

    /// <summary>
    /// Longest the offline announcement may hold up a stop, whatever the operation timeout: three publishes take
    /// milliseconds on a link that works, and the whole stop has five seconds (the host's shutdown timeout).
    /// </summary>
    public static readonly TimeSpan OfflineAnnouncementBudget = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A graceful stop sends no last will, so the agent says it itself: Offline status (the aggregator drops the device from
    /// new cohorts), diagnostics in state "offline", availability "offline" — and saves the diagnostics. Bounded by
    /// <see cref="OfflineAnnouncementBudget"/> (or the operation timeout if shorter). When it does not get through, the
    /// client's disconnect asks the broker for the last will instead (availability "offline"); a broker that is away
    /// publishes it anyway once it notices the connection gone.
    /// </summary>
    public async Task SayOfflineAsync(CancellationToken cancellationToken)
    {
        var diagnostics = agent.Diagnostics(DeviceState.Offline, served.Current, 0) with { OutboxDepth = (await agent.Outbox.GetUsageAsync(cancellationToken).ConfigureAwait(false)).Entries };
        Save(diagnostics);
        if (!client.IsConnected)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Mqtt.OperationTimeout < OfflineAnnouncementBudget ? _options.Mqtt.OperationTimeout : OfflineAnnouncementBudget);
        try
        {
            await client.PublishAsync(TopicScheme.Status(_options.Fleet, _options.DeviceId), agent.Status(DeviceState.Offline, sensors.Power.Read(), served.Current).ToByteArray(), retain: true, timeout.Token).ConfigureAwait(false);
            await client.PublishAsync(TopicScheme.Diagnostics(_options.Fleet, _options.DeviceId), DeviceDiagnosticsJson.Write(diagnostics), retain: true, timeout.Token).ConfigureAwait(false);
            await client.PublishAsync(TopicScheme.Availability(_options.Fleet, _options.DeviceId), DeviceAvailability.OfflinePayload, retain: true, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportUnavailableException or PublishRejectedException or OperationCanceledException)
        {
            // the goodbye did not get through: the disconnect asks the broker for the last will (availability "offline")
            client.SendWillOnDispose = true;
            LogOfflineNotSaid(ex.Message);
        }
    }

    private void Save(DeviceDiagnostics diagnostics)
    {
        try
        {
            _diagnosticsFile.Write(diagnostics);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDiagnosticsNotSaved(ex.Message); // only `fededge-agent status` reads it: a full or read-only disk must not stop the device
        }
    }

    private Task TryPublishAsync(string topic, ReadOnlyMemory<byte> payload, string what, CancellationToken cancellationToken) =>
        TryAsync(() => client.PublishAsync(topic, payload, retain: true, cancellationToken), what);

    /// <summary>Publishes; a refusal (an ACL without the topic) is logged and does not stop the caller.</summary>
    private async Task TryAsync(Func<Task> publish, string what)
    {
        try
        {
            await publish().ConfigureAwait(false);
        }
        catch (PublishRejectedException ex)
        {
            LogPublishRejected(what, ex.Message);
        }
    }

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Broker unavailable; status deferred: {Reason}")]
    private partial void LogStatusDeferred(string reason);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "Connection {Connection}: announced availability, status and diagnostics; Home Assistant entities {Entities}")]
    private partial void LogAnnounced(long connection, string entities);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Broker unavailable; the announcement waits for the next connection: {Reason}")]
    private partial void LogAnnounceDeferred(string reason);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "Broker refused {What} (check deploy/mosquitto/acl): {Reason}")]
    private partial void LogPublishRejected(string what, string reason);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Diagnostics not saved to the state directory: {Reason}")]
    private partial void LogDiagnosticsNotSaved(string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Stopping without telling the broker (offline status and availability not sent): {Reason}")]
    private partial void LogOfflineNotSaid(string reason);
}
