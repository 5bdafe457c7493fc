using FedEdge.Device.Configuration;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Device.Contribution;
using FedEdge.Device.Diagnostics;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Feedback;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Device.Privacy;
using FedEdge.Hosting;
using FedEdge.Core.Data;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Training;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// The device worker: receives and verifies signed global models, decides eligibility, runs a
/// <see cref="ContributionRunner"/> and drains the outbox to the broker, and keeps its retained
/// status, availability (last will = "offline") and diagnostics up to date. On every (re)connect it
/// announces itself: availability "online", status, diagnostics and its Home Assistant entities.
/// </summary>
public sealed partial class AgentService : BackgroundService
{
    private static readonly TimeSpan EligibilityRecheck = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan OutboxIdlePoll = TimeSpan.FromMinutes(1);
    private const int SimulatedPredictionWindows = 288; // one simulated day of 5-minute windows
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<AgentService> _logger;
    private readonly WireParser _parser = new();
    private readonly ICpuTimesSource _cpu;
    private readonly IPowerSource? _injectedPower;
    private readonly SampleStore? _injectedSamples;
    private readonly LatestFeatures? _latest;
    private readonly FeedbackLabelInbox? _feedback;
    private readonly LabelSet _labels = new(ActivityClassifier.SmartHomeClassNames);
    private readonly LoopHeartbeat _heartbeat;
    private readonly SysfsThermal _thermal = new();
    private readonly ServedModelState _served;
    private long _classifierRevision = -1;
    private PrivacyLedger? _ledger;
    private SqliteOutbox? _outbox;
    private SampleStore? _samples;
    private AcceptedModelStore? _models;
    private ModelVerifier? _verifier;
    private ReconnectingMqttClient? _client;
    private GaussianNoise? _noise;
    private RandomNumberGenerator? _ids;
    private ContributionRunner? _runner;
    private IPowerSource _power = new ConfiguredMainsPower();
    private EligibilityPolicy _policy;
    private IdleTracker _idle;
    private GlobalModel? _model;
    private Pace? _pace;
    private DeviceState _state = DeviceState.Idle;
    private DateTimeOffset _nextStatus;
    private ulong _skippedVersion;
    private DeviceState _publishedState = DeviceState.Unspecified;
    private readonly DiagnosticsThrottle _diagnosticsThrottle;
    private PredictionPublisher? _predictions;
    private DiagnosticsFile? _diagnosticsFile;
    private EligibilityDecision? _eligibility;
    private EligibilityBlockers? _reportedBlockers;
    private DateTimeOffset? _lastContribution;
    private int _outboxDepth;
    private long _announcedConnections;
    private ActivityClassifier? _classifier;
    private DateTimeOffset _nextPrediction;
    private Dataset? _simulatedWindows;
    private int _simulatedNext;

    /// <summary>The longest the main loop sleeps without beating its heartbeat (well inside a 60 s WatchdogSec).</summary>
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);

    /// <summary>Creates the service (nothing is opened before <see cref="StartAsync"/>).</summary>
    /// <param name="options">The agent's settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="power">The power source; null = as <see cref="AgentOptions.Power"/> says (production).</param>
    /// <param name="cpu">CPU times for the idle decision; null = /proc (production).</param>
    /// <param name="samples">The shared sample store the sampling service fills (borrowed); null = the agent opens its own when sensors are real.</param>
    /// <param name="latest">The newest feature window for local prediction on a real device; null = none yet.</param>
    /// <param name="heartbeat">Beaten by the main loop and by every training step; the systemd watchdog pings only while it is fresh.</param>
    /// <param name="feedback">Where labels from the MQTT feedback topic go (the sampler's inbox); null = the topic is not subscribed.</param>
    /// <param name="served">Which model to predict with (written by <see cref="PersonalizationService"/>); null = always the global model.</param>
    public AgentService(
        IOptions<AgentOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        IPowerSource? power = null,
        ICpuTimesSource? cpu = null,
        SampleStore? samples = null,
        LatestFeatures? latest = null,
        LoopHeartbeat? heartbeat = null,
        FeedbackLabelInbox? feedback = null,
        ServedModelState? served = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _time = time;
        _loggers = loggers;
        _injectedPower = power;
        _cpu = cpu ?? new ProcStatCpuTimes();
        _injectedSamples = samples;
        _latest = latest;
        _feedback = feedback;
        _heartbeat = heartbeat ?? new LoopHeartbeat(time);
        _served = served ?? new ServedModelState();
        _logger = loggers.CreateLogger<AgentService>();
        _policy = new EligibilityPolicy(_options.Eligibility);
        _idle = new IdleTracker(_options.Eligibility.IdleLoadThreshold, _options.Eligibility.IdleFor);
        _diagnosticsThrottle = new DiagnosticsThrottle(_options.StatusInterval);
    }

    /// <summary>Start-up checks: state directory, pinned key, ledger, outbox, installed model, broker subscriptions.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        string state = _options.StateDirectory;
        Directory.CreateDirectory(state);
        var key = PinnedModelKey.FromPem(await File.ReadAllTextAsync(_options.ModelSigningPublicKeyPath, cancellationToken).ConfigureAwait(false));
        _models = new AcceptedModelStore(Path.Combine(state, "model"));
        _verifier = new ModelVerifier([key], _options.Fleet, lastAcceptedVersion: _models.LastAcceptedVersion);
        _model = _models.LoadCurrent();
        _ledger = PrivacyLedger.Open(
            Path.Combine(state, "privacy.ledger"),
            new PrivacyBudget(_options.Privacy.Epsilon, _options.Privacy.Delta),
            new RdpAccountant(),
            _time);
        _outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = Path.Combine(state, "outbox.db") }, _time, _loggers.CreateLogger<SqliteOutbox>());
        if (!_options.SimulatedSensors)
        {
            _samples = _injectedSamples ?? new SampleStore(new SampleStoreOptions
            {
                Path = Path.Combine(state, "samples.db"),
                FeatureCount = SmartHomeActivityGenerator.FeatureNames.Count,
                ClassCount = SmartHomeActivityGenerator.ClassCount,
            });
        }

        _power = _injectedPower ?? PowerSources.Create(_options.Power, _options.Sampling.I2cBus, _options.Sampling.GpioChip, _time);
        _noise = new GaussianNoise();
        _ids = RandomNumberGenerator.Create();
        _runner = new ContributionRunner(
            new ContributionSettings
            {
                DeviceId = _options.DeviceId,
                Fleet = _options.Fleet,
                MemoryClass = _options.MemoryClass,
                ArtifactsDirectory = Path.Combine(state, "artifacts"),
                Privacy = _options.Privacy.Mode,
                ClipNorm = _options.Privacy.ClipNorm,
                NoiseMultiplier = _options.Privacy.NoiseMultiplier,
                Epochs = _options.Training.Epochs,
                BatchSize = _options.Training.BatchSize,
                LearningRate = _options.Training.LearningRate,
                Threads = _options.Training.Threads,
                MaxSamples = _options.Training.MaxSamples,
                MinSamples = _options.Training.MinSamples,
                Codec = _options.Codec,
                TopKFraction = _options.TopKFraction,
            },
            _ledger,
            _outbox,
            _noise,
            _ids,
            new Random(DeviceSeed(_options.DeviceId)),
            _time);

        AgentOptions.ApplyDefaults(_options);
        var mqtt = _options.Mqtt;
        // one will per connection: it goes to the plain-text availability topic that both Home Assistant and the
        // aggregator read; a graceful stop publishes the Offline status itself (StopAsync)
        mqtt.LastWillTopic = TopicScheme.Availability(_options.Fleet, _options.DeviceId);
        mqtt.LastWillPayload = DeviceAvailability.OfflinePayload;
        _client = new ReconnectingMqttClient(mqtt, _time, new Random(DeviceSeed(_options.DeviceId)), _loggers.CreateLogger<ReconnectingMqttClient>());
        await _client.SubscribeAsync(TopicScheme.Model(_options.Fleet), cancellationToken).ConfigureAwait(false);
        await _client.SubscribeAsync(TopicScheme.Pace(_options.Fleet), cancellationToken).ConfigureAwait(false);
        if (_feedback is not null)
        {
            await _client.SubscribeAsync(TopicScheme.Feedback(_options.Fleet, _options.DeviceId), cancellationToken).ConfigureAwait(false);
        }

        // built whether or not predictions are on: with them off, every connect removes the entities
        _predictions = new PredictionPublisher(_client, new HomeAssistantDiscovery(
            _options.Prediction.DiscoveryPrefix, _options.Fleet, _options.DeviceId, _options.MemoryClass, _options.Prediction.Interval, _options.Prediction.SupportUrl));
        _diagnosticsFile = new DiagnosticsFile(state);
        _lastContribution = RecordedLastContribution();
        _client.Start();
        LogStarted(_options.DeviceId, _options.Fleet, _model?.Version ?? 0, _ledger.RemainingEpsilon);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_client is not null)
        {
            await SayOfflineAsync(_client, cancellationToken).ConfigureAwait(false);
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        _runner?.Dispose();
        _outbox?.Dispose();
        _ledger?.Dispose();
        if (_injectedSamples is null)
        {
            _samples?.Dispose();
        }

        _classifier?.Dispose();
        _verifier?.Dispose();
        _noise?.Dispose();
        _ids?.Dispose();
        if (_injectedPower is null)
        {
            (_power as IDisposable)?.Dispose();
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = _client!;
        // only this process writes the outbox and every enqueue wakes the publisher at once: the idle re-read is a
        // safety net, not the delivery path, so it runs once a minute instead of every 5 s (idle CPU, issue 5/7)
        var publisher = new OutboxPublisher(_outbox!, client, new OutboxPublisherOptions { IdlePollInterval = OutboxIdlePoll }, _time, _loggers.CreateLogger<OutboxPublisher>());
        Task publishing = publisher.RunAsync(stoppingToken);
        using var ticker = new PeriodicTimer(_options.CheckInterval, _time);
        Task<bool> tick = ticker.WaitForNextTickAsync(stoppingToken).AsTask();
        try
        {
            Task<bool>? message = null;
            Task? heartbeat = null;
            Task? connection = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                // one pending wait at a time: a new one per wake-up would pile up waiters on the channel
                message ??= client.Inbound.WaitToReadAsync(stoppingToken).AsTask();

                // wake at least every HeartbeatPeriod so the watchdog sees a live loop even with a long CheckInterval;
                // one pending delay at a time too, so a tick does not leave a stale timer behind to wake the process
                heartbeat ??= Task.Delay(HeartbeatPeriod, _time, stoppingToken);

                // the client's loop owns connecting; this loop notices each new connection and announces on it
                connection ??= client.WaitForConnectionAsync(_announcedConnections, stoppingToken);
                await Task.WhenAny(message, tick, heartbeat, connection).ConfigureAwait(false);
                if (message.IsCompleted)
                {
                    message = null;
                }

                if (heartbeat.IsCompleted)
                {
                    heartbeat = null;
                }

                _heartbeat.Beat();
                if (connection.IsCompleted)
                {
                    connection = null;
                    await AnnounceAsync(client, stoppingToken).ConfigureAwait(false);
                }

                while (client.Inbound.TryRead(out var received))
                {
                    Handle(received);

                    // the model is installed (or refused) above: only now may the broker forget it
                    await received.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
                }

                if (tick.IsCompleted)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        break;
                    }

                    try
                    {
                        await ContributeIfEligibleAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OutboxFullException or TrainingArtifactException or IOException or SampleStoreFormatException)
                    {
                        // the device stays up (and keeps draining its outbox); the next tick tries again
                        _state = DeviceState.Idle;
                        LogContributionFailed(ex);
                    }

                    await PublishStateAsync(client, stoppingToken).ConfigureAwait(false);
                    await PredictIfDueAsync(client, stoppingToken).ConfigureAwait(false);
                    tick = ticker.WaitForNextTickAsync(stoppingToken).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // graceful stop: the runner stops within one step, the outbox keeps what was not acknowledged
        }

        try
        {
            await publishing.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the publisher ends by cancellation; unsent entries stay in the outbox for the next start
        }
    }

    private static int DeviceSeed(string deviceId) =>
        BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)));

    private void Handle(ReceivedMessage received)
    {
        if (!TopicScheme.TryParse(received.Topic, out var address, out _))
        {
            return;
        }

        if (address.Kind == TopicKind.Model)
        {
            var parsed = _parser.ParseGlobalModel(received.Payload.Span);
            if (!parsed.TryGet(out var model, out string reason))
            {
                LogModelRefused(0, reason);
                return;
            }

            var verdict = _verifier!.TryAccept(model);
            if (!verdict.Succeeded)
            {
                LogModelRefused(model.Version, verdict.ToString());
                return;
            }

            _models!.Install(model);
            _model = model;
            LogModelAccepted(model.Version, model.Architecture);
        }
        else if (address.Kind == TopicKind.Pace && _parser.ParsePace(received.Payload.Span).TryGet(out var pace, out _))
        {
            _pace = pace;
        }
        else if (address.Kind == TopicKind.Feedback && address.Device == _options.DeviceId && _feedback is not null)
        {
            AcceptFeedback(received.Payload.Span);
        }
    }

    private void AcceptFeedback(ReadOnlySpan<byte> payload)
    {
        // the sampler keeps the last RecentWindowsKept unlabelled windows: older feedback has nothing left to label
        var maxAge = _options.Sampling.WindowLength * SamplingLoop.RecentWindowsKept;
        if (!FeedbackMessage.TryParse(payload, _labels, _time.GetUtcNow(), maxAge, out var labelEvent, out string? problem)
            || !_feedback!.TryPush(labelEvent, out problem))
        {
            LogFeedbackRefused(problem);
            return;
        }

        LogFeedbackAccepted(labelEvent.Label, labelEvent.Time);
    }

    private async Task ContributeIfEligibleAsync(CancellationToken cancellationToken)
    {
        var model = _model;
        EligibilityDecision decision;
        if (model is null)
        {
            decision = EligibilityDecision.Blocked(EligibilityBlockers.NoModel, "no global model received yet");
        }
        else if (model.Version <= _models!.LastContributedVersion)
        {
            decision = EligibilityDecision.Blocked(EligibilityBlockers.AlreadyContributed, $"already contributed to global model v{model.Version}; waiting for a newer one");
        }
        else if (model.Version == _skippedVersion)
        {
            decision = EligibilityDecision.Blocked(EligibilityBlockers.ModelUnusable, $"global model v{model.Version} cannot be trained here; waiting for the next one");
        }
        else
        {
            decision = _policy.Evaluate(Signals(), _time.GetUtcNow());
        }

        ReportEligibility(decision, model?.Version ?? 0);
        if (!decision.Eligible || model is null)
        {
            _state = StateFor(decision);
            return;
        }

        var samples = LocalSamples();
        _state = DeviceState.Training;
        LogTrainingStarted(model.Version, samples.Count);

        // say "training" before the run: the loop awaits the run, so no tick publishes while it lasts
        await PublishStateAsync(_client!, cancellationToken).ConfigureAwait(false);
        var runner = _runner!;
        var lastCheck = _time.GetUtcNow();
        bool eligible = true;

        // The runner asks before every step; the sources (/proc, sysfs) are re-read at most once per
        // second, so a step of a few milliseconds does not pay for file reads. ORT training is
        // synchronous CPU work and runs off the loop's thread; the loop only awaits it meanwhile,
        // so the policy is never used concurrently.
        bool StillEligible()
        {
            _heartbeat.Beat();
            var now = _time.GetUtcNow();
            if (eligible && now - lastCheck >= EligibilityRecheck)
            {
                eligible = _policy.Evaluate(Signals(), now).Eligible;
                lastCheck = now;
            }

            return eligible && !cancellationToken.IsCancellationRequested;
        }

        var result = await Task.Run(() => runner.RunAsync(model, samples, StillEligible, cancellationToken), cancellationToken).ConfigureAwait(false);
        _state = result.Outcome == ContributionOutcome.BudgetExhausted ? DeviceState.BudgetExhausted : DeviceState.Idle;
        switch (result.Outcome)
        {
            case ContributionOutcome.Enqueued:
                _models!.RecordContribution(model.Version);
                _lastContribution = _time.GetUtcNow();
                break;
            case ContributionOutcome.IncompatibleModel or ContributionOutcome.Diverged:
                // retrying the same model would fail the same way: wait for the next one
                _skippedVersion = model.Version;
                break;
        }

        LogContribution(result.Outcome, result.Message);
    }

    private EligibilitySignals Signals()
    {
        var now = _time.GetUtcNow();
        bool idle = _idle.Update(_cpu.Read(), now);
        var idleSoFar = _idle.IdleSoFar(now);
        bool hasWork = _model is not null && _model.Version > _models!.LastContributedVersion
            && (_options.SimulatedSensors || _samples!.Count >= _options.Training.MinSamples);
        bool paceInvites = _pace is null
            || (_pace.UpdatesWanted > 0 && (_pace.Cohort.Count == 0 || _pace.Cohort.Contains(_options.DeviceId)));
        return new EligibilitySignals(idle, _power.Read(), _thermal.ReadCelsius(), _runner!.CanAfford(), hasWork, paceInvites, idleSoFar);
    }

    private static DeviceState StateFor(EligibilityDecision decision) => decision.Kinds switch
    {
        var k when k.HasFlag(EligibilityBlockers.PrivacyBudgetSpent) => DeviceState.BudgetExhausted,
        var k when k.HasFlag(EligibilityBlockers.TooHot) => DeviceState.ThermalWait,
        var k when (k & (EligibilityBlockers.OnBattery | EligibilityBlockers.PowerUnknown | EligibilityBlockers.PowerNotStable)) != 0 => DeviceState.ChargingWait,
        _ => DeviceState.Idle,
    };

    /// <summary>
    /// Logs eligibility at Information when the blocking conditions change — not every tick — so a device that never
    /// trains says why in the journal ("Not training: on battery; idle for 2 of 5 min"), and keeps the decision for
    /// the diagnostics.
    /// </summary>
    private void ReportEligibility(EligibilityDecision decision, ulong version)
    {
        _eligibility = decision;
        if (_reportedBlockers == decision.Kinds)
        {
            return;
        }

        _reportedBlockers = decision.Kinds;
        if (decision.Eligible)
        {
            LogEligible(version);
        }
        else
        {
            LogNotTraining(decision);
        }
    }

    /// <summary>
    /// Everything a (re)connection must re-establish, in order of importance: availability "online" (the will made it
    /// "offline" if the last connection was lost), the status (the aggregator drops a device that went offline and
    /// re-adds it from this), the diagnostics, and the Home Assistant entities — or their removal when predictions are
    /// off. Marked done for this connection whatever happens: a lost link means a new connection, which announces again.
    /// </summary>
    private async Task AnnounceAsync(ReconnectingMqttClient client, CancellationToken cancellationToken)
    {
        _announcedConnections = client.Connections;
        try
        {
            await TryPublishAsync(client, TopicScheme.Availability(_options.Fleet, _options.DeviceId), DeviceAvailability.OnlinePayload, "availability", cancellationToken).ConfigureAwait(false);
            _publishedState = DeviceState.Unspecified; // forces the status out now
            await PublishStatusIfDueAsync(client, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var diagnostics = CurrentDiagnostics(now);
            if (_diagnosticsThrottle.IsDue(diagnostics, now))
            {
                SaveDiagnostics(diagnostics);
            }

            _diagnosticsThrottle.Emitted(diagnostics, now);
            await TryPublishAsync(client, TopicScheme.Diagnostics(_options.Fleet, _options.DeviceId), DeviceDiagnosticsJson.Write(diagnostics), "diagnostics", cancellationToken).ConfigureAwait(false);
            try
            {
                await _predictions!.AnnounceAsync(_options.Prediction.Enabled, cancellationToken).ConfigureAwait(false);
            }
            catch (PublishRejectedException ex)
            {
                LogPublishRejected("a Home Assistant discovery config", ex.Message);
            }

            LogAnnounced(_announcedConnections, _options.Prediction.Enabled ? "announced" : "removed");
        }
        catch (TransportUnavailableException ex)
        {
            LogAnnounceDeferred(ex.Message);
        }
    }

    /// <summary>Publishes retained; a refusal (an ACL without the topic) is logged and does not stop the caller.</summary>
    private async Task TryPublishAsync(ReconnectingMqttClient client, string topic, ReadOnlyMemory<byte> payload, string what, CancellationToken cancellationToken)
    {
        try
        {
            await client.PublishAsync(topic, payload, retain: true, cancellationToken).ConfigureAwait(false);
        }
        catch (PublishRejectedException ex)
        {
            LogPublishRejected(what, ex.Message);
        }
    }

    /// <summary>The status when due or changed, then the diagnostics when <see cref="DiagnosticsThrottle"/> says so.</summary>
    private async Task PublishStateAsync(ReconnectingMqttClient client, CancellationToken cancellationToken)
    {
        await PublishStatusIfDueAsync(client, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        _outboxDepth = (await _outbox!.GetUsageAsync(cancellationToken).ConfigureAwait(false)).Entries;
        var diagnostics = CurrentDiagnostics(now);
        if (!_diagnosticsThrottle.IsDue(diagnostics, now))
        {
            return;
        }

        _diagnosticsThrottle.Emitted(diagnostics, now);
        SaveDiagnostics(diagnostics);
        if (!client.IsConnected)
        {
            return; // the next connection's announcement publishes the then current diagnostics
        }

        try
        {
            await TryPublishAsync(client, TopicScheme.Diagnostics(_options.Fleet, _options.DeviceId), DeviceDiagnosticsJson.Write(diagnostics), "diagnostics", cancellationToken).ConfigureAwait(false);
        }
        catch (TransportUnavailableException ex)
        {
            LogStatusDeferred(ex.Message);
        }
    }

    private DeviceDiagnostics CurrentDiagnostics(DateTimeOffset now)
    {
        var decision = _eligibility;
        double spent = _ledger!.Spent().Epsilon;
        return new DeviceDiagnostics
        {
            Device = _options.DeviceId,
            Fleet = _options.Fleet,
            State = DeviceDiagnostics.StateName(_state),
            Eligible = decision?.Eligible ?? false,
            Reason = decision is null ? "not checked yet" : decision.Eligible ? null : decision.ToString(),
            Blockers = decision?.Codes ?? [],
            EpsilonSpent = double.IsFinite(spent) ? spent : 0,
            EpsilonLeft = _ledger.RemainingEpsilon,
            EpsilonBudget = _ledger.Budget.Epsilon,
            LastContribution = _lastContribution,
            ServedModel = _served.Current.Served == ServedModel.Personal ? ActivityClassifier.PersonalModelSource : ActivityClassifier.GlobalModelSource,
            ModelVersion = _model?.Version ?? 0,
            OutboxDepth = _outboxDepth,
            Updated = now,
        };
    }

    private void SaveDiagnostics(DeviceDiagnostics diagnostics)
    {
        try
        {
            _diagnosticsFile!.Write(diagnostics);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // only `fededge-agent status` reads it: a full or read-only disk must not stop the device
            LogDiagnosticsNotSaved(ex.Message);
        }
    }

    /// <summary>When the device last contributed: from its saved diagnostics, else from its privacy ledger.</summary>
    private DateTimeOffset? RecordedLastContribution() =>
        _diagnosticsFile!.TryRead(out _)?.LastContribution
        ?? DeviceDiagnostics.ContributionTime(_ledger!.Entries, _models!.LastContributedVersion);

    /// <summary>
    /// A graceful stop sends no last will, so the agent says it itself: Offline status (the aggregator drops the device
    /// from new cohorts), diagnostics in state "offline", availability "offline" — and saves the diagnostics for
    /// <c>fededge-agent status</c>. Bounded by the operation timeout; a broker that is away simply hears nothing.
    /// </summary>
    private async Task SayOfflineAsync(ReconnectingMqttClient client, CancellationToken cancellationToken)
    {
        if (_ledger is null || _diagnosticsFile is null)
        {
            return; // StartAsync did not get far
        }

        _state = DeviceState.Offline;
        var diagnostics = CurrentDiagnostics(_time.GetUtcNow());
        SaveDiagnostics(diagnostics);
        if (!client.IsConnected)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Mqtt.OperationTimeout);
        try
        {
            await client.PublishAsync(TopicScheme.Status(_options.Fleet, _options.DeviceId), Status(DeviceState.Offline).ToByteArray(), retain: true, timeout.Token).ConfigureAwait(false);
            await client.PublishAsync(TopicScheme.Diagnostics(_options.Fleet, _options.DeviceId), DeviceDiagnosticsJson.Write(diagnostics), retain: true, timeout.Token).ConfigureAwait(false);
            await client.PublishAsync(TopicScheme.Availability(_options.Fleet, _options.DeviceId), DeviceAvailability.OfflinePayload, retain: true, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportUnavailableException or PublishRejectedException or OperationCanceledException)
        {
            LogOfflineNotSaid(ex.Message);
        }
    }

    private Dataset LocalSamples()
    {
        // The simulator's features are in physical units; the store holds the same 14 features.
        // Both are standardised with the fixed fleet-wide scaling, so every device trains on one scale.
        var raw = _options.SimulatedSensors
            ? new SmartHomeActivityGenerator(DeviceSeed(_options.DeviceId)).GenerateHome(0, _options.Training.MaxSamples)
            : _samples!.ReadNewest(_options.Training.MaxSamples);
        return SmartHomeFeatureScaling.Standardize(raw);
    }

    private async Task PublishStatusIfDueAsync(ReconnectingMqttClient client, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var state = _state;
        if ((now < _nextStatus && state == _publishedState) || !client.IsConnected)
        {
            return;
        }

        try
        {
            await client.PublishAsync(TopicScheme.Status(_options.Fleet, _options.DeviceId), Status(state).ToByteArray(), retain: true, cancellationToken).ConfigureAwait(false);
            _nextStatus = now + _options.StatusInterval;
            _publishedState = state;
        }
        catch (TransportUnavailableException ex)
        {
            LogStatusDeferred(ex.Message);
        }
        catch (PublishRejectedException ex)
        {
            // an ACL without the status line: the device keeps working and tries again at the next interval
            _nextStatus = now + _options.StatusInterval;
            _publishedState = state;
            LogPublishRejected("the status", ex.Message);
        }
    }

    private async Task PredictIfDueAsync(ReconnectingMqttClient client, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var model = _model;
        if (!_options.Prediction.Enabled || model is null || now < _nextPrediction || !client.IsConnected)
        {
            return;
        }

        _nextPrediction = now + _options.Prediction.Interval;
        var served = _served.Current;
        if (_classifier is null || _classifier.ModelVersion != model.Version || _classifierRevision != served.Revision)
        {
            _classifier?.Dispose();
            _classifier = null;
            _classifierRevision = served.Revision;
            if (served.ServesPersonalFor(model.Version))
            {
                _classifier = ActivityClassifier.Create(served.Architecture!, served.Parameters!, model.Version, ActivityClassifier.PersonalModelSource, ActivityClassifier.SmartHomeClassNames);
            }
            else if (ActivityClassifier.TryCreate(model, ActivityClassifier.SmartHomeClassNames, out var created, out string problem))
            {
                _classifier = created;
            }
            else
            {
                LogPredictionFailed(model.Version, problem);
                return;
            }
        }

        if (!TryNewestWindow(out float[] raw, out var windowEnd) || raw.Length != _classifier.Architecture.Inputs)
        {
            return;
        }

        // the model was trained on standardised features (LocalSamples), so it predicts on the same scale
        var standardized = SmartHomeFeatureScaling.Standardize(new Dataset(raw, [0], raw.Length, SmartHomeActivityGenerator.ClassCount));
        var prediction = _classifier.Predict(standardized.Row(0), windowEnd);
        try
        {
            await _predictions!.PublishAsync(prediction, cancellationToken).ConfigureAwait(false);
            LogPredicted(prediction.Activity, prediction.Probability, prediction.Model, prediction.ModelVersion);
        }
        catch (TransportUnavailableException ex)
        {
            LogPredictionDeferred(ex.Message);
        }
        catch (PublishRejectedException ex)
        {
            // most likely the broker ACL lacks the predictions or discovery lines (deploy/mosquitto/acl)
            LogPredictionRejected(ex.Message);
        }
    }

    private bool TryNewestWindow(out float[] features, out DateTimeOffset windowEnd)
    {
        if (!_options.SimulatedSensors)
        {
            features = [];
            windowEnd = default;
            return _latest is not null && _latest.TryGet(out features, out windowEnd);
        }

        // the simulator has no clock of its own: each prediction classifies the next of a fixed,
        // generated-once set of windows (bounded memory however long the device runs)
        _simulatedWindows ??= new SmartHomeActivityGenerator(DeviceSeed(_options.DeviceId)).GenerateHome(0, SimulatedPredictionWindows);
        features = _simulatedWindows.Row(_simulatedNext).ToArray();
        _simulatedNext = (_simulatedNext + 1) % _simulatedWindows.Count;
        windowEnd = _time.GetUtcNow();
        return true;
    }

    private DeviceStatus Status(DeviceState state) => WithServing(new()
    {
        ProtocolMajor = ProtocolVersion.Major,
        DeviceId = _options.DeviceId,
        Fleet = _options.Fleet,
        State = state,
        MemoryBudgetBytes = (ulong)_options.MemoryBudgetBytes,
        ComputeScore = 1,
        PowerSource = _power.Read() == PowerState.OnBattery ? PowerSource.Battery : PowerSource.Mains,
        Charging = _power.Read() == PowerState.Charging,
        ModelVersion = _model?.Version ?? 0,
        PrivacyEpsilonLeft = _ledger?.RemainingEpsilon ?? 0,
        TimestampUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        MemoryClass = _options.MemoryClass,
    });

    /// <summary>The serving choice and both validation accuracies (issue 8/8): figures only, never a parameter.</summary>
    private DeviceStatus WithServing(DeviceStatus status)
    {
        var choice = _served.Current;
        if (choice.Revision == 0)
        {
            return status;
        }

        status.ServedModel = choice.Served == ServedModel.Personal ? ActivityClassifier.PersonalModelSource : ActivityClassifier.GlobalModelSource;
        status.ServedValidationSamples = (uint)choice.Choice.ValidationCount;
        if (double.IsFinite(choice.Choice.GlobalAccuracy))
        {
            status.ServedGlobalAccuracy = choice.Choice.GlobalAccuracy;
        }

        if (double.IsFinite(choice.Choice.PersonalAccuracy))
        {
            status.ServedPersonalAccuracy = choice.Choice.PersonalAccuracy;
        }

        return status;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Agent {Device} started in fleet {Fleet}: model version {Version}, ε left {EpsilonLeft}")]
    private partial void LogStarted(string device, string fleet, ulong version, double epsilonLeft);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Accepted global model version {Version} ({Architecture})")]
    private partial void LogModelAccepted(ulong version, string architecture);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Refused global model version {Version}: {Reason}")]
    private partial void LogModelRefused(ulong version, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Not training: {Reason}")]
    private partial void LogNotTraining(EligibilityDecision reason);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Eligible: training on global model v{Version}")]
    private partial void LogEligible(ulong version);

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

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Contribution {Outcome}: {Message}")]
    private partial void LogContribution(ContributionOutcome outcome, string message);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Contribution failed; retrying at the next check")]
    private partial void LogContributionFailed(Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Cannot predict with model version {Version}: {Problem}")]
    private partial void LogPredictionFailed(ulong version, string problem);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Predicted {Activity} (p = {Probability:F3}) with the {Model} model (global v{Version})")]
    private partial void LogPredicted(string activity, double probability, string model, ulong version);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Broker unavailable; prediction deferred: {Reason}")]
    private partial void LogPredictionDeferred(string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Broker refused the prediction or its discovery config (check the ACL): {Reason}")]
    private partial void LogPredictionRejected(string reason);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Training on global model version {Version} with {Samples} samples")]
    private partial void LogTrainingStarted(ulong version, int samples);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Feedback label {Label} at {At} accepted")]
    private partial void LogFeedbackAccepted(string label, DateTimeOffset at);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Feedback ignored: {Reason}")]
    private partial void LogFeedbackRefused(string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Broker unavailable; status deferred: {Reason}")]
    private partial void LogStatusDeferred(string reason);
}
