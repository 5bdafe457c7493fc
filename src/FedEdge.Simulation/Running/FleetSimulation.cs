using System.Diagnostics;
using System.Globalization;
using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Privacy;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Privacy;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Models;
using FedEdge.Core.Privacy;
using FedEdge.Protocol.Wire;
using FedEdge.Simulation.Aggregation;
using FedEdge.Simulation.Clock;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Devices;
using FedEdge.Simulation.Fleet;
using FedEdge.Simulation.Results;
using FedEdge.Simulation.Transport;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Running;

/// <summary>
/// A discrete-event simulation of one strategy on one seed: the virtual devices' check-ins,
/// local runs and uploads are events on a <see cref="VirtualClock"/>, processed one at a time in
/// time order, each through the product's code (contribution runner, ledger, outbox, MQTT client,
/// broker, aggregation engine). Because each event waits until its messages have been handled,
/// the same seed always produces the same sequence of models.
/// </summary>
public sealed class FleetSimulation : IDisposable
{
    /// <summary>Where simulated time starts: 20:00 UTC, so the default horizon covers a night of idle-and-charging windows.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 20, 0, 0, TimeSpan.Zero);

    /// <summary>Fixed cost of a local run (loading the model, generating batches), in simulated seconds.</summary>
    public const double RunOverheadSeconds = 2.0;

    private const string Fleet = "sim";
    private static readonly TimeSpan TickInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan WindowProbe = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DefaultCheckIn = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly SimulationOptions _options;
    private readonly StrategyKind _strategy;
    private readonly int _seed;
    private readonly FederatedData _data;
    private readonly IProgress<SimulationProgress>? _progress;
    private readonly ILoggerFactory _loggers;
    private readonly PriorityQueue<SimulationEvent, (long Ticks, long Sequence)> _events = new();
    private readonly List<TimelinePoint> _timeline = [];
    private readonly Stopwatch _lastProgress = Stopwatch.StartNew();
    private VirtualClock _clock = null!;
    private FleetAggregator _aggregator = null!;
    private LocalTrainers? _trainersField;
    private ModelArchitecture _architecture = null!;
    private VirtualDevice[] _devices = [];
    private OpenOutboxes _openOutboxes = null!;
    private FedEdge.Core.Parameters.ParameterSet? _initialGlobal;
    private FedEdge.Core.DistributedDp.DistributedDiscreteGaussianParameters? _distributed;
    private BrokerEndpoint _broker = null!;
    private readonly Dictionary<int, SecAggSession> _secAggSessions = [];
    private readonly List<PrivacyPoint> _privacy = [];
    private SecAggSent _secAggSent;
    private long _secAggSessionsOpened;
    private long _sequence;
    private Dictionary<string, int>? _deviceIndex;
    private long _wokenRound;
    private long _interrupted;
    private long _budgetRefusals;
    private long _checkIns;
    private long _quietCheckIns;
    private long _overBudgetSitOuts;
    private double? _hoursToTarget;
    private long? _bytesToTarget;

    private FleetSimulation(SimulationOptions options, StrategyKind strategy, int seed, FederatedData data, IProgress<SimulationProgress>? progress, ILoggerFactory loggers)
    {
        _options = options;
        _strategy = strategy;
        _seed = seed;
        _data = data;
        _progress = progress;
        _loggers = loggers;
    }

    private LocalTrainers Trainers => _trainersField!;

    /// <inheritdoc/>
    public void Dispose() => _trainersField?.Dispose();

    /// <summary>Strategy name as reports use it.</summary>
    public static string Name(StrategyKind strategy) => strategy.ToString().ToLowerInvariant();

    /// <summary>Runs <paramref name="strategy"/> on <paramref name="seed"/> over <paramref name="data"/>.</summary>
    public static async Task<RunResult> RunAsync(
        SimulationOptions options, StrategyKind strategy, int seed, FederatedData data, IProgress<SimulationProgress>? progress, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loggers);
        options.Validate();
        using var simulation = new FleetSimulation(options, strategy, seed, data, progress, loggers);
        return await simulation.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        string root = _options.WorkDirectory ?? TemporaryRoot();
        string directory = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"{Name(_strategy)}-seed{_seed}"));
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        EmbeddedBroker? embedded = _options.Broker is null ? await EmbeddedBroker.StartAsync().ConfigureAwait(false) : null;
        var broker = _options.Broker ?? embedded!.Endpoint;
        _broker = broker;
        _clock = new VirtualClock(Start);
        var profiles = FleetBuilder.Build(_options.Devices, _options.Boards, _options.StragglerFraction, _options.MainsFraction, new Random(_seed));
        _architecture = _options.Hidden.Count == 0
            ? ModelArchitecture.LogisticRegression(_data.FeatureCount, _data.ClassCount)
            : ModelArchitecture.Mlp(_data.FeatureCount, [.. _options.Hidden], _data.ClassCount);
        _distributed = _options.Privacy == ContributionPrivacy.Distributed ? _options.DistributedEncoding(_architecture.Layout.TotalLength) : null;
        _trainersField = new LocalTrainers(Path.Combine(root, "artifacts"));
        try
        {
            _aggregator = await FleetAggregator.StartAsync(EngineOptions(profiles), Path.Combine(directory, "aggregator"), broker, _clock, _loggers, cancellationToken).ConfigureAwait(false);
            try
            {
                _devices = CreateDevices(profiles, broker, directory);
                _initialGlobal = _aggregator.Engine.Global;
                double initial = Evaluate();
                _timeline.Add(new TimelinePoint(0, _aggregator.Engine.CurrentVersion, initial, 0, 0));
                await EnrolAsync(cancellationToken).ConfigureAwait(false);
                await LoopAsync(cancellationToken).ConfigureAwait(false);
                var personalization = _options.Personalize == FedEdge.Device.Personalization.PersonalizationMode.None ? null : PersonalizationEvaluation.Run(
                    new FedEdge.Device.Personalization.PersonalizationOptions
                    {
                        Mode = _options.Personalize,
                        ProximalLambda = _options.ProximalLambda,
                        MinTrainingSamples = 1,
                        LocalEpochs = PersonalizationEvaluation.LocalOnlyEpochs,
                        MinValidationSamples = _options.PersonalMinValidation,
                        ArtifactsDirectory = Path.Combine(root, "artifacts-personal"),
                    },
                    _architecture, _initialGlobal!, _aggregator.Engine.Global, (ulong)_aggregator.Engine.CurrentVersion, _data, Path.Combine(root, "artifacts-personal"), _seed,
                    _options.EvaluationWorkers, _loggers.CreateLogger<FleetSimulation>(), cancellationToken);
                return Result(profiles, initial, wall.Elapsed) with { Personalization = personalization };
            }
            finally
            {
                foreach (var session in _secAggSessions.Values)
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                }

                foreach (var device in _devices)
                {
                    await device.DisposeAsync().ConfigureAwait(false);
                }

                await _aggregator.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync().ConfigureAwait(false);
            }

            if (_options.WorkDirectory is null)
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>
    /// A new directory for a run's state, thrown away after it: in memory on /dev/shm when that is there and writable, so
    /// the thousands of fsyncs of the devices' outboxes, ledgers and model stores and the aggregator's commits cost no disk
    /// I/O (on a shared disk that waiting was most of a run's wall time); otherwise the system's
    /// temporary directory.
    /// </summary>
    private static string TemporaryRoot()
    {
        const string memory = "/dev/shm";
        if (Directory.Exists(memory))
        {
            try
            {
                return Directory.CreateDirectory(Path.Combine(memory, "fededge-sim-" + Guid.NewGuid().ToString("N"))).FullName;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // not writable here: the system's temporary directory below
            }
        }

        return Directory.CreateTempSubdirectory("fededge-sim-").FullName;
    }

    private AggregationEngineOptions EngineOptions(IReadOnlyList<DeviceProfile> profiles)
    {
        int cohort = Math.Min(_options.ClientsPerRound, _options.Devices);
        var options = new AggregationEngineOptions
        {
            Fleet = Fleet,
            Architecture = _architecture.ToString(),
            Strategy = _strategy,
            BufferSize = _options.BufferSize,
            ServerLearningRate = _options.ServerLearningRate,
            Robust = _options.Robust,
            FtteDenseWhereItFits = _options.FtteDenseWhereItFits,
            MaxStaleness = _options.MaxStaleness,
            ClientsPerRound = cohort,
            MinClients = Math.Max(1, cohort / 2),
            RoundDuration = _options.RoundDeadline,
            Seed = _seed,
            DefaultMemoryBudgetBytes = profiles.Min(p => p.Board.TrainingBudgetBytes),
            TargetStepInterval = _options.TargetStepInterval,

            // the aggregator knows the fleet's DP as the devices below are configured: its norm bound, its refusal of
            // updates without DP and its own ε ledger follow from it
            Privacy = new FleetPrivacyOptions
            {
                Mode = _options.Privacy switch
                {
                    ContributionPrivacy.UserLevel => FleetDpMode.UserLevel,
                    ContributionPrivacy.SampleLevel => FleetDpMode.SampleLevel,
                    ContributionPrivacy.Distributed => FleetDpMode.Distributed,
                    _ => FleetDpMode.None,
                },
                ClipNorm = _options.ClipNorm,
                NoiseMultiplier = UserLevelNoise(new RdpAccountant()),
                Epsilon = _options.Epsilon,
                Delta = _options.Delta,
                CheckInRate = _options.CheckInRate,
            },
        };
        options.Validation.MaxUpdatesPerDevicePerHour = 3600;

        // a virtual device lives through hours in seconds of wall time; its statuses are honest
        options.StatusBurst = 10_000;
        options.StatusesPerDevicePerMinute = 100_000;
        return options;
    }

    /// <summary>
    /// The user-level noise multiplier every device gets: the least that affords the offered rounds per device within ε; with
    /// distributed DP the z of the calibrated encoding (the whole group's noise, which the ledger charges the same way).
    /// </summary>
    private double UserLevelNoise(RdpAccountant accountant) => _distributed?.NoiseMultiplier ?? _options.UserLevelNoiseMultiplier(accountant);

    private VirtualDevice[] CreateDevices(IReadOnlyList<DeviceProfile> profiles, BrokerEndpoint broker, string directory)
    {
        var accountant = new RdpAccountant();
        double userNoise = UserLevelNoise(accountant);
        var devices = new VirtualDevice[profiles.Count];
        _openOutboxes = new OpenOutboxes(_options.OpenOutboxes);
        for (int i = 0; i < profiles.Count; i++)
        {
            var profile = profiles[i];
            var train = _data.Train[i];
            double noise = _options.Privacy == ContributionPrivacy.SampleLevel && train.Count > 0 ? SampleLevelNoise(accountant, train.Count) : userNoise;

            // the agent's own options type; the simulator sets every value it means explicitly (AgentOptions holds the
            // defaults a real device ships with)
            var options = new AgentOptions
            {
                DeviceId = profile.DeviceId,
                Fleet = Fleet,
                MemoryClass = profile.Board.Name,
                MemoryBudgetBytes = profile.Board.TrainingBudgetBytes,
                StateDirectory = Path.Combine(directory, profile.DeviceId),
                Privacy = new PrivacyOptions
                {
                    Mode = _options.Privacy,
                    Epsilon = _options.Epsilon,
                    Delta = _options.Delta,
                    ClipNorm = _options.ClipNorm,
                    NoiseMultiplier = noise,
                    CheckInRate = _options.CheckInRate,
                    CheckInReofferAfter = _options.CheckInReofferAfter,
                },
                Training = new LocalTrainingOptions
                {
                    Epochs = _options.LocalEpochs,
                    BatchSize = _options.BatchSize,
                    LearningRate = _options.LearningRate,
                    MinSamples = 1,
                    MaxSamples = Math.Max(1, Math.Max(train.Count, 2000)),
                },
                Codec = _options.Codec,
                PackedBits = _options.PackedBits,

                // a virtual window is plugged in from its first second, and a virtual device runs nothing else
                Eligibility = new EligibilityOptions { PowerStableFor = TimeSpan.Zero, IdleFor = TimeSpan.Zero },
            };
            devices[i] = new VirtualDevice(profile, train, options, _aggregator.PublicKey, broker, Trainers, _clock, _seed, _loggers);
            _openOutboxes.Touch(devices[i].Agent.Outbox);
        }

        return devices;
    }

    /// <summary>σ such that <see cref="SimulationOptions.ContributionsPerDevice"/> DP-SGD runs over n samples spend ε.</summary>
    private double SampleLevelNoise(RdpAccountant accountant, int samples)
    {
        double q = Math.Min(1.0, (double)_options.BatchSize / samples);
        long steps = (long)Math.Ceiling(_options.LocalEpochs / q) * _options.ContributionsPerDevice;
        return accountant.MinimumNoiseMultiplier(_options.Epsilon, _options.Delta, q, steps);
    }

    private async Task EnrolAsync(CancellationToken cancellationToken)
    {
        foreach (var device in _devices)
        {
            _openOutboxes.Touch(device.Agent.Outbox);
            await device.PublishStatusAsync(_clock.GetUtcNow(), device.Profile.InWindow(Start), cancellationToken).ConfigureAwait(false);
            await _aggregator.ProcessAsync(1, cancellationToken).ConfigureAwait(false);
            var first = device.Profile.NextWindowStart(Start) + TimeSpan.FromSeconds(device.Random.NextDouble() * 300);
            ScheduleCheckIn(first, device);
            ScheduleWindowChange(device, Start);
        }

        if (_strategy == StrategyKind.FedAvg)
        {
            await _aggregator.TickAsync(cancellationToken).ConfigureAwait(false);
            WakeCohort();
            Schedule(Start + TickInterval, new SimulationEvent(SimulationEventKind.Tick, -1, 0));
        }
        else if (_distributed is not null)
        {
            // the secure-aggregation coordinator's deadlines run on the node's (virtual) clock
            Schedule(Start + TickInterval, new SimulationEvent(SimulationEventKind.Tick, -1, 0));
        }

        if (_options.Privacy != ContributionPrivacy.None)
        {
            SamplePrivacy();
            Schedule(Start + PrivacySampleInterval, new SimulationEvent(SimulationEventKind.PrivacySample, -1, 0));
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var end = Start + _options.MaxTime;
        while (_events.TryPeek(out _, out var when) && when.Ticks <= end.UtcTicks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = _events.Dequeue();
            _clock.AdvanceTo(new DateTimeOffset(when.Ticks, TimeSpan.Zero));
            if (next.Device >= 0) // fleet-wide events (tick, privacy sample) belong to no device
            {
                _openOutboxes.Touch(_devices[next.Device].Agent.Outbox);
            }

            switch (next.Kind)
            {
                case SimulationEventKind.CheckIn:
                    if (next.Value == _devices[next.Device].CheckInGeneration && !_devices[next.Device].Busy)
                    {
                        await CheckInAsync(_devices[next.Device], cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case SimulationEventKind.TrainingDone:
                    await TrainingDoneAsync(_devices[next.Device], next.Value, cancellationToken).ConfigureAwait(false);
                    break;
                case SimulationEventKind.WindowChange:
                    await WindowChangeAsync(_devices[next.Device], cancellationToken).ConfigureAwait(false);
                    break;
                case SimulationEventKind.Upload:
                    await UploadAsync(_devices[next.Device], cancellationToken).ConfigureAwait(false);
                    break;
                case SimulationEventKind.SecAggDelivery:
                    await SecAggDeliveryAsync(_devices[next.Device], cancellationToken).ConfigureAwait(false);
                    break;
                case SimulationEventKind.PrivacySample:
                    SamplePrivacy();
                    Schedule(_clock.GetUtcNow() + PrivacySampleInterval, next);
                    break;
                default:
                    if (await _aggregator.TickAsync(cancellationToken).ConfigureAwait(false))
                    {
                        Record();
                    }

                    WakeCohort();
                    ScheduleSecAggDeliveries();

                    Schedule(_clock.GetUtcNow() + TickInterval, next);
                    break;
            }

            Report(force: false);
            if (_options.StopAtTarget && _hoursToTarget is not null)
            {
                break;
            }
        }

        if (_clock.GetUtcNow() < end && !(_options.StopAtTarget && _hoursToTarget is not null))
        {
            _clock.AdvanceTo(end);
        }

        if (_options.Privacy != ContributionPrivacy.None)
        {
            SamplePrivacy();
        }

        Report(force: true);
    }

    private async Task CheckInAsync(VirtualDevice device, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var profile = device.Profile;
        await CloseSecAggSessionIfDoneAsync(device).ConfigureAwait(false);
        if (!profile.InWindow(now))
        {
            ScheduleCheckIn(profile.NextWindowStart(now + WindowProbe) + WindowProbe + Jitter(device, TimeSpan.FromMinutes(10)), device);
            return;
        }

        if (device.Random.NextDouble() < _options.DropoutProbability)
        {
            ScheduleCheckIn(now + Interval(device), device);
            return;
        }

        long version = _aggregator.Engine.CurrentVersion;
        var pacePayload = _aggregator.PacePayload;
        _checkIns++;
        var checkIn = _options.QuietCheckIns ? await device.QuietCheckInAsync(version, pacePayload, cancellationToken).ConfigureAwait(false) : null;
        if (checkIn is null)
        {
            checkIn = await device.SessionAsync(version, pacePayload, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _quietCheckIns++;
        }

        await ProcessAsync(checkIn.Delivered, cancellationToken).ConfigureAwait(false);
        if (checkIn.Model is not null && SitsOut(device))
        {
            // before the agent evaluates: a board that cannot train is not offered the round (no check-in coin, no charge)
            _overBudgetSitOuts++;
            ScheduleCheckIn(now + Interval(device), device);
            return;
        }

        var decision = device.Agent.Evaluate(device.Signals(now));
        if (checkIn.Model is not null && checkIn.Pace is not null && decision.Eligible)
        {
            device.Busy = true;
            long steps = LocalSteps(device);
            double seconds = RunOverheadSeconds + device.Profile.TrainingSeconds(steps * _options.BatchSize);
            var done = now + TimeSpan.FromSeconds(seconds);
            var windowEnd = profile.WindowEnd(now);
            if (done <= windowEnd)
            {
                Schedule(done, new SimulationEvent(SimulationEventKind.TrainingDone, profile.Index, long.MaxValue));
            }
            else
            {
                // Unplugged mid-run: the runner checks eligibility before every step and stops.
                double fraction = Math.Max(0, ((windowEnd - now).TotalSeconds - RunOverheadSeconds) / (seconds - RunOverheadSeconds));
                Schedule(windowEnd, new SimulationEvent(SimulationEventKind.TrainingDone, profile.Index, (long)(steps * fraction)));
            }

            return;
        }

        if (decision.Kinds == EligibilityBlockers.PrivacyBudgetSpent)
        {
            _budgetRefusals++;
            return; // budget spent: the device stops contributing (its outbox is empty after this session)
        }

        ScheduleCheckIn(now + Interval(device), device);
    }

    // --over-budget sit-out: the device's model asks it to train every coordinate (no FTTE subset for it) and the whole
    // model's modelled training memory is over its board's budget
    private bool SitsOut(VirtualDevice device) =>
        _options.OverBudgetSitsOut
        && device.Agent.Installed is { Subset: null } installed
        && !TrainingMemoryModel.Default.HoldsWholeModel(installed.Architecture.Layout, device.Profile.Board.TrainingBudgetBytes);

    private long LocalSteps(VirtualDevice device)
    {
        int n = Math.Min(device.Train.Count, 2000);
        if (_options.Privacy == ContributionPrivacy.SampleLevel)
        {
            return device.Agent.Runner.SampleLevelMechanism(n).Steps;
        }

        return _options.LocalEpochs * (long)Math.Ceiling((double)n / _options.BatchSize);
    }

    private async Task TrainingDoneAsync(VirtualDevice device, long stepsAllowed, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        device.Busy = false;
        long taken = 0;

        // the virtual clock decided how many steps fit before the window closes: the core asks before each one
        var result = await device.Agent.ContributeAsync(device.Train, () => taken++ < stepsAllowed, cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case ContributionOutcome.Enqueued:
                device.UploadPending = true;
                Schedule(now + TimeSpan.FromSeconds(device.Profile.UploadSeconds(await device.PendingBytesAsync(cancellationToken).ConfigureAwait(false))), Event(SimulationEventKind.Upload, device));
                return;
            case ContributionOutcome.Interrupted:
                _interrupted++;
                ScheduleCheckIn(device.Profile.NextWindowStart(now + TimeSpan.FromSeconds(1)) + Jitter(device, TimeSpan.FromMinutes(10)), device);
                return;
            case ContributionOutcome.BudgetExhausted:
                _budgetRefusals++;
                return;
            case ContributionOutcome.HandedToSecureAggregation:
                // the agent's participant queued its join: the device connects to its inbox and sends it
                await JoinSecureAggregationAsync(device, cancellationToken).ConfigureAwait(false);
                ScheduleCheckIn(now + Interval(device), device);
                return;
            default:
                ScheduleCheckIn(now + Interval(device), device);
                return;
        }
    }

    private async Task UploadAsync(VirtualDevice device, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        device.UploadPending = false;
        if (device.Random.NextDouble() >= _options.LossProbability)
        {
            var session = await device.SessionAsync(0, null, cancellationToken).ConfigureAwait(false);
            await ProcessAsync(session.Delivered, cancellationToken).ConfigureAwait(false);
        }

        // A lost session leaves the update in the outbox; the next check-in flushes it.
        ScheduleCheckIn(now + Interval(device), device);
    }

    private async Task ProcessAsync(int delivered, CancellationToken cancellationToken)
    {
        if (delivered > 0 && await _aggregator.ProcessAsync(delivered, cancellationToken).ConfigureAwait(false) > 0)
        {
            Record();
        }

        WakeCohort();
        ScheduleSecAggDeliveries();
    }

    /// <summary>--dp distributed: the device opens its inbox session (if it has none) and publishes its participant's join.</summary>
    private async Task JoinSecureAggregationAsync(VirtualDevice device, CancellationToken cancellationToken)
    {
        int index = device.Profile.Index;
        if (!_secAggSessions.TryGetValue(index, out var session))
        {
            session = await SecAggSession.OpenAsync(_broker, Fleet, device.Profile.DeviceId, ++_secAggSessionsOpened, _loggers, cancellationToken).ConfigureAwait(false);
            _secAggSessions[index] = session;
        }

        await SendSecAggAsync(device, session, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendSecAggAsync(VirtualDevice device, SecAggSession session, CancellationToken cancellationToken)
    {
        var sent = await session.PublishAsync(device.Agent, cancellationToken).ConfigureAwait(false);
        _secAggSent = _secAggSent.Plus(sent);
        await ProcessAsync(sent.Total, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The inbox messages the aggregator just published reach their devices one network latency later; a device's
    /// messages published before its delivery go with it (in publication order: one publisher, one topic, QoS 1).
    /// </summary>
    private void ScheduleSecAggDeliveries()
    {
        if (_distributed is null)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        foreach (string id in _aggregator.TakeInboxDeliveries())
        {
            // a delivered message means a session of the device subscribed to its inbox; a session closed within the broker's
            // one-second expiry still counts as one, and its message is lost with it
            int index = DeviceIndex(id);
            if (!_secAggSessions.TryGetValue(index, out var session))
            {
                continue;
            }

            session.Pending++;
            if (!session.DeliveryScheduled)
            {
                session.DeliveryScheduled = true;
                Schedule(now + TimeSpan.FromSeconds(_devices[index].Profile.LatencySeconds), new SimulationEvent(SimulationEventKind.SecAggDelivery, index, 0));
            }
        }
    }

    /// <summary>
    /// Inbox messages reach the device: online (inside its idle-and-charging window, or on mains) it hands each to its agent
    /// — unless the session drops (<see cref="SimulationOptions.LossProbability"/> per message) — and sends what the agent
    /// answers. Offline, they are lost: the device has become a dropout, which the group tolerates down to its minimum.
    /// </summary>
    private async Task SecAggDeliveryAsync(VirtualDevice device, CancellationToken cancellationToken)
    {
        var session = _secAggSessions[device.Profile.Index];
        session.DeliveryScheduled = false;
        var payloads = await session.TakeAsync(cancellationToken).ConfigureAwait(false);
        bool online = device.Profile.InWindow(_clock.GetUtcNow());
        foreach (var payload in payloads)
        {
            if (online && device.Random.NextDouble() >= _options.LossProbability)
            {
                device.Agent.ReceiveSecureAggregation(payload.Span);
            }
        }

        await SendSecAggAsync(device, session, cancellationToken).ConfigureAwait(false);
        await CloseSecAggSessionIfDoneAsync(device).ConfigureAwait(false);
    }

    /// <summary>A device whose group ended (answered, abandoned, expired) closes its inbox session once nothing is on its way to it.</summary>
    private async Task CloseSecAggSessionIfDoneAsync(VirtualDevice device)
    {
        int index = device.Profile.Index;
        if (_secAggSessions.TryGetValue(index, out var session) && session.Idle && device.Agent.SecureAggregationState is null)
        {
            _secAggSessions.Remove(index);
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private int DeviceIndex(string deviceId)
    {
        _deviceIndex ??= _devices.ToDictionary(d => d.Profile.DeviceId, d => d.Profile.Index, StringComparer.Ordinal);
        return _deviceIndex[deviceId];
    }

    /// <summary>The fleet's ε for both observers now, from every device's ledger.</summary>
    private void SamplePrivacy()
    {
        double hours = _clock.Elapsed.TotalHours;
        if (_privacy.Count > 0 && _privacy[^1].Hours == hours)
        {
            return;
        }

        double[] models = [.. _devices.Select(d => d.EpsilonSpent)];
        double[] aggregator = [.. _devices.Select(d => d.EpsilonAgainstAggregator)];
        _privacy.Add(new PrivacyPoint(hours, models.Average(), models.Max(), aggregator.Average(), aggregator.Max()));
    }

    /// <summary>How often the privacy timeline is sampled: hourly, and at most 200 points over the horizon.</summary>
    private TimeSpan PrivacySampleInterval => TimeSpan.FromHours(Math.Max(1.0, Math.Ceiling(_options.MaxTime.TotalHours / 200)));

    /// <summary>The device's window opened or closed: it tells the aggregator (Idle or ChargingWait), as the agent does.</summary>
    private async Task WindowChangeAsync(VirtualDevice device, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        await device.PublishStatusAsync(now, device.Profile.InWindow(now + WindowProbe), cancellationToken).ConfigureAwait(false);
        await ProcessAsync(1, cancellationToken).ConfigureAwait(false);
        ScheduleWindowChange(device, now);
    }

    /// <summary>
    /// Schedules the device's next window edge. The state is read a second after <paramref name="now"/>:
    /// an edge computed in hours lands a few ticks off, and reading exactly at it could find the old state again.
    /// </summary>
    private void ScheduleWindowChange(VirtualDevice device, DateTimeOffset now)
    {
        if (!device.Profile.OnMains)
        {
            var profile = device.Profile;
            var probe = now + WindowProbe;
            Schedule(profile.InWindow(probe) ? profile.WindowEnd(probe) : profile.NextWindowStart(probe), new SimulationEvent(SimulationEventKind.WindowChange, profile.Index, 0));
        }
    }

    /// <summary>
    /// A new FedAvg round was opened: its cohort members that are online (in their window, not
    /// training or uploading) receive the retained pace message at once through their subscription,
    /// which the simulation models as an immediate check-in. Devices outside their window learn of it at their next check-in.
    /// </summary>
    private void WakeCohort()
    {
        if (_aggregator.Engine.Round is not { } round || round.Number == _wokenRound)
        {
            return;
        }

        _wokenRound = round.Number;
        var now = _clock.GetUtcNow();
        var pace = Pace.Parser.ParseFrom(_aggregator.PacePayload.Span);
        foreach (string id in round.Cohort)
        {
            // the retained pace reaches an online member at once; whether it asks that device for an update is the core's rule
            var device = _devices.FirstOrDefault(d => d.Profile.DeviceId == id);
            if (device is not null && !device.Busy && !device.UploadPending && device.Profile.InWindow(now) && device.Agent.IsInvitedBy(pace))
            {
                ScheduleCheckIn(now + TimeSpan.FromSeconds(device.Profile.LatencySeconds), device);
            }
        }
    }

    private void ScheduleCheckIn(DateTimeOffset at, VirtualDevice device)
    {
        device.CheckInGeneration++;
        Schedule(at, new SimulationEvent(SimulationEventKind.CheckIn, device.Profile.Index, device.CheckInGeneration));
    }

    private void Record()
    {
        double accuracy = Evaluate();
        double hours = _clock.Elapsed.TotalHours;
        _timeline.Add(new TimelinePoint(hours, _aggregator.Engine.CurrentVersion, accuracy, _aggregator.UploadBytes, _aggregator.Accepted));
        if (_hoursToTarget is null && accuracy >= _options.TargetAccuracy)
        {
            _hoursToTarget = hours;
            _bytesToTarget = _aggregator.UploadBytes;
        }
    }

    private double Evaluate()
    {
        var trainer = Trainers.Get(_architecture, perExampleClipping: false, 256);
        trainer.Parameters.CopyFrom(_aggregator.Engine.Global);
        return trainer.Evaluate(_data.Test).Accuracy;
    }

    private static TimeSpan Interval(VirtualDevice device) => device.Agent.CheckInWindow(DefaultCheckIn) * (0.5 + device.Random.NextDouble());

    private static TimeSpan Jitter(VirtualDevice device, TimeSpan max) => max * device.Random.NextDouble();

    private static SimulationEvent Event(SimulationEventKind kind, VirtualDevice device) => new(kind, device.Profile.Index, 0);

    private void Schedule(DateTimeOffset at, SimulationEvent simulationEvent) => _events.Enqueue(simulationEvent, (at.UtcTicks, _sequence++));

    private void Report(bool force)
    {
        if (_progress is null || (!force && _lastProgress.Elapsed < ProgressInterval))
        {
            return;
        }

        _lastProgress.Restart();
        var last = _timeline[^1];
        _progress.Report(new SimulationProgress(
            Name(_strategy), _seed, _clock.Elapsed.TotalHours, _options.MaxTime.TotalHours, last.Version, last.Accuracy, _aggregator.UploadBytes, _devices.Max(d => d.EpsilonSpent)));
    }

    private SecureAggregationResult? SecureAggregationResult()
    {
        if (_distributed is null || _aggregator.Node.SecAggOptions is not { } secAgg)
        {
            return null;
        }

        var tally = _aggregator.SecAgg;
        var encoding = secAgg.Encoding;
        int n = secAgg.GroupSize;
        long released = tally.Survivors.Count;
        long formed = released + tally.GroupsNotApplied + tally.GroupsAbandoned - tally.GroupsAbandonedForming;
        double meanSurvivors = released == 0 ? 0 : tally.Survivors.Average();
        return new SecureAggregationResult
        {
            GroupSize = n,
            MinimumSurvivors = secAgg.MinimumSurvivors,
            Bits = encoding.Bits,
            Gamma = encoding.Gamma,
            LocalVariance = encoding.LocalVariance,
            GroupsFormed = formed,
            GroupsReleased = released,
            GroupsAbandoned = tally.GroupsAbandoned,
            GroupsAbandonedForming = tally.GroupsAbandonedForming,
            GroupsNotApplied = tally.GroupsNotApplied,
            Refused = tally.Refused,
            Joins = _secAggSent.Joins,
            MaskedInputs = _secAggSent.MaskedInputs,
            DropoutRateReleased = released == 0 ? 0 : 1 - (meanSurvivors / n),
            DropoutRateFormed = formed == 0 ? 0 : Math.Max(0, 1 - (_secAggSent.MaskedInputs / (double)(n * formed))),
            MeanSurvivors = meanSurvivors,
            NoisePerCoordinate = released == 0 ? 0 : tally.Survivors.Average(s => encoding.Gamma * Math.Sqrt(encoding.LocalVariance / s)),
            UploadBytes = tally.UploadBytes,
        };
    }

    private RunResult Result(IReadOnlyList<DeviceProfile> profiles, double initial, TimeSpan wall)
    {
        var layout = _architecture.Layout;
        int trainable = _strategy == StrategyKind.Ftte && _aggregator.LargestSubset > 0 ? _aggregator.LargestSubset : layout.TotalLength;
        long maxStaleness = _aggregator.Staleness.Count == 0 ? 0 : _aggregator.Staleness.Max();
        var histogram = new long[maxStaleness + 1];
        foreach (long s in _aggregator.Staleness)
        {
            histogram[Math.Max(0, s)]++;
        }

        var participation = _options.Boards.Select(b =>
        {
            var members = profiles.Where(p => p.Board.Name == b.Name).ToArray();
            long accepted = members.Sum(p => _aggregator.AcceptedByDevice.GetValueOrDefault(p.DeviceId));
            int contributing = members.Count(p => _aggregator.AcceptedByDevice.GetValueOrDefault(p.DeviceId) > 0);
            return new MemoryClassParticipation(b.Name, members.Length, accepted, contributing);
        }).ToArray();
        var last = _timeline[^1];
        return new RunResult
        {
            Strategy = Name(_strategy),
            Seed = _seed,
            InitialAccuracy = initial,
            FinalAccuracy = last.Accuracy,
            BestAccuracy = _timeline.Max(p => p.Accuracy),
            FinalVersion = last.Version,
            HoursToTarget = _hoursToTarget,
            SimulatedHours = _clock.Elapsed.TotalHours,
            UploadBytes = _aggregator.UploadBytes,
            UploadBytesToTarget = _bytesToTarget,
            AcceptedUpdates = _aggregator.Accepted,
            Rejected = new SortedDictionary<string, long>(_aggregator.Rejected.ToDictionary(), StringComparer.Ordinal),
            InterruptedRuns = _interrupted,
            BudgetRefusals = _budgetRefusals,
            CheckIns = _checkIns,
            QuietCheckIns = _quietCheckIns,
            OverBudgetSitOuts = _overBudgetSitOuts,
            BrokerSessions = _devices.Sum(d => d.Sessions),
            PeakTrainingMemoryBytes = trainable < layout.TotalLength ? _aggregator.LargestSubsetBytes : TrainingMemoryModel.Default.RequiredBytes(layout, trainable),
            TrainableCoordinates = trainable,
            EpsilonPerDevice = _devices.Select(d => d.EpsilonSpent).ToArray(),
            EpsilonAgainstAggregatorPerDevice = _devices.Select(d => d.EpsilonAgainstAggregator).ToArray(),
            NoiseMultiplier = _options.Privacy is ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed ? UserLevelNoise(new RdpAccountant()) : null,
            PrivacyTimeline = [.. _privacy],
            SecureAggregation = SecureAggregationResult(),
            StalenessHistogram = histogram,
            Participation = participation,
            Timeline = [.. _timeline],
            FinalModelSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_aggregator.Engine.Global.AsSpan()))),
            WallSeconds = wall.TotalSeconds,
        };
    }
}
