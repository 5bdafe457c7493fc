using FedEdge.Core.Data;
using FedEdge.Core.Privacy;
using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Diagnostics;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Device.Privacy;
using FedEdge.Device.SecureAggregation;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Wire;
using Microsoft.Extensions.Logging;

namespace FedEdge.Device.Agent;

/// <summary>
/// The device's clock-driven core, once for both drivers (the hosted <c>AgentService</c> over MQTT and the real sensors,
/// and the simulator's virtual device on the virtual clock): a model offered is verified and installed (decoded once into
/// the shared <see cref="InstalledModel"/>); a pace is observed; a tick's signals become the eligibility decision and the
/// device state; a contribution runs and is recorded; the status and diagnostics are built here and nowhere else. It owns
/// the ledger, the outbox, the accepted-model store and the runner it opens. Not thread-safe: one driver loop (the
/// installed model it publishes may be read from any thread).
/// </summary>
public sealed partial class DeviceAgent : IDisposable
{
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AcceptedModelStore _models;
    private readonly ModelVerifier _verifier;
    private readonly ContributionRunner _runner;
    private readonly DeviceRandomness _randomness;
    private readonly EligibilityPolicy _policy;
    private readonly InstalledModelState _installed;
    private readonly RandomCheckIn _checkIn;
    private readonly WireParser _parser = new();

    // Distributed DP: the group this device takes part in, its raw update until the roster lets it be encoded, and the
    // participant's messages until the driver publishes them (a handful per group: join, shares, masked input, unmask)
    private readonly Queue<SecAggDeviceMessage> _secAggOutgoing = new();
    private SecAggParticipant? _secAgg;
    private float[]? _secAggUpdate;

    // the group's model version, the contributed version before the device joined it, and the last version an abandoned
    // group freed (once per version: a device the aggregator keeps refusing does not retry forever)
    private ulong _secAggVersion;
    private ulong _secAggContributedBefore;
    private ulong _secAggFreedVersion;
    private EligibilityBlockers? _reportedBlockers;
    private ulong _skippedVersion;
    private ulong _lastRound;

    private DeviceAgent(
        AgentOptions options,
        TimeProvider time,
        ILogger logger,
        AcceptedModelStore models,
        ModelVerifier verifier,
        PrivacyLedger ledger,
        SqliteOutbox outbox,
        ContributionRunner runner,
        DeviceRandomness randomness,
        InstalledModelState installed,
        RandomCheckIn checkIn)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _models = models;
        _verifier = verifier;
        Ledger = ledger;
        Outbox = outbox;
        _runner = runner;
        _randomness = randomness;
        _installed = installed;
        _checkIn = checkIn;
        _policy = new EligibilityPolicy(options.Eligibility);
    }

    /// <summary>Every decision as it is taken, for traces.</summary>
    public event Action<DeviceDecision>? Decided;

    /// <summary>The device's options.</summary>
    public AgentOptions Options => _options;

    /// <summary>The durable privacy ledger.</summary>
    public PrivacyLedger Ledger { get; }

    /// <summary>The durable outbox the drivers drain to the broker.</summary>
    public SqliteOutbox Outbox { get; }

    /// <summary>The device's random check-in (<see cref="RandomCheckIn.Enabled"/> when <c>Agent:Privacy:CheckInRate</c> &lt; 1).</summary>
    public RandomCheckIn CheckIn => _checkIn;

    /// <summary>The contribution runner (its mechanism tells what one contribution costs).</summary>
    public ContributionRunner Runner => _runner;

    /// <summary>The installed model, decoded (null before the first).</summary>
    public InstalledModel? Installed => _installed.Current;

    /// <summary>The last pace the aggregator published (null before the first).</summary>
    public Pace? Pace { get; private set; }

    /// <summary>What the device is doing, as its status says.</summary>
    public DeviceState State { get; private set; } = DeviceState.Idle;

    /// <summary>The last eligibility decision (null before the first tick).</summary>
    public EligibilityDecision? Eligibility { get; private set; }

    /// <summary>When the device last contributed, if known.</summary>
    public DateTimeOffset? LastContribution { get; set; }

    /// <summary>The newest global model version this device contributed to.</summary>
    public ulong LastContributedVersion => _models.LastContributedVersion;

    /// <summary>The FedAvg round this device last trained for (0 = none).</summary>
    public ulong LastRound => _lastRound;

    /// <summary>Distributed DP: where this device is in its secure-aggregation group (null when in none).</summary>
    public SecAggParticipantState? SecureAggregationState => _secAgg?.State;

    /// <summary>
    /// Opens the device's state under <see cref="AgentOptions.StateDirectory"/> (ledger, outbox, accepted model) and installs
    /// the stored model, if any. The agent owns what it opens and <paramref name="randomness"/>.
    /// </summary>
    /// <param name="options">The one options type of a device (bound from configuration, or built by the simulator).</param>
    /// <param name="key">The pinned model-signing key.</param>
    /// <param name="randomness">Noise, ids and batch order.</param>
    /// <param name="time">The clock (virtual in the simulator).</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="installed">Where the installed model is published for other readers (predictions, personalization); null = a private one.</param>
    /// <param name="trainers">Shared ONNX trainers (the simulator shares one set across devices); null = the runner's own.</param>
    public static DeviceAgent Open(
        AgentOptions options,
        PinnedModelKey key,
        DeviceRandomness randomness,
        TimeProvider time,
        ILoggerFactory loggers,
        InstalledModelState? installed = null,
        LocalTrainers? trainers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(randomness);
        ArgumentNullException.ThrowIfNull(loggers);
        string state = options.StateDirectory;
        Directory.CreateDirectory(state);
        var models = new AcceptedModelStore(Path.Combine(state, "model"));
        var verifier = new ModelVerifier([key], options.Fleet, lastAcceptedVersion: models.LastAcceptedVersion);
        var logger = loggers.CreateLogger<DeviceAgent>();
        var ledger = OpenLedger(options, time, logger);
        var outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = Path.Combine(state, "outbox.db") }, time, loggers.CreateLogger<SqliteOutbox>());
        var checkIn = new RandomCheckIn(ledger, options.Privacy.CheckInRate, options.Privacy.NoiseMultiplier, options.Privacy.CheckInReofferAfter, randomness.CheckIn, time);
        var runner = new ContributionRunner(options, ledger, outbox, randomness.Noise, randomness.Ids, randomness.Shuffle, time, trainers, checkIn);
        var agent = new DeviceAgent(options, time, logger, models, verifier, ledger, outbox, runner, randomness, installed ?? new InstalledModelState(), checkIn);
        if (models.LoadCurrent() is { } stored && InstalledModel.TryDecode(stored, options.MemoryClass, options.MemoryBudgetBytes, out var decoded, out _))
        {
            agent._installed.Install(decoded);
        }

        agent.LastContribution = DeviceDiagnostics.ContributionTime(ledger.Entries, models.LastContributedVersion);
        return agent;
    }

    /// <summary>
    /// Opens the device's privacy ledger. A ledger the checks refuse (damaged, records lost, missing on a device that has
    /// run before) does not stop the device: it gets a refused ledger that affords nothing, so it keeps serving, draining
    /// its outbox and reporting — with the reason in its status — but never trains until <c>reset-ledger</c>.
    /// </summary>
    private static PrivacyLedger OpenLedger(AgentOptions options, TimeProvider time, ILogger logger)
    {
        string path = Path.Combine(options.StateDirectory, "privacy.ledger");
        var budget = new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta);
        try
        {
            var ledger = PrivacyLedger.Open(path, budget, new RdpAccountant(), time, PrivacyLedger.OtherDeviceState(options.StateDirectory));
            if (ledger.MigratedFrom is { } kept)
            {
                LogLedgerMigrated(logger, ledger.Entries.Count, kept);
            }

            if (ledger.LastReset is { } reset)
            {
                LogLedgerWasReset(logger, reset.Time, reset.CarriedEpsilon);
            }

            return ledger;
        }
        catch (PrivacyLedgerCorruptException ex)
        {
            LogLedgerRefused(logger, ex.Message);
            return PrivacyLedger.Refused(path, budget, new RdpAccountant(), time, ex.Message);
        }
    }

    /// <summary>
    /// A global model arrived: verify it (signature, fleet, newer than the last accepted — <see cref="ModelVerifier.TryAccept"/>),
    /// decode it once, store it atomically and install it. The caller acknowledges the message after this returns.
    /// </summary>
    public ModelOffer Offer(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Installed is { } current && current.Version == model.Version)
        {
            return ModelOffer.AlreadyInstalled;
        }

        var verdict = _verifier.TryAccept(model);
        if (!verdict.Succeeded)
        {
            return Refuse(model.Version, verdict.ToString());
        }

        if (!InstalledModel.TryDecode(model, _options.MemoryClass, _options.MemoryBudgetBytes, out var installed, out string problem))
        {
            return Refuse(model.Version, problem);
        }

        _models.Install(model);
        _installed.Install(installed);
        LogModelAccepted(model.Version, model.Architecture);
        Decide(DeviceDecisionKind.ModelInstalled, model.Version, model.Architecture);
        return ModelOffer.Installed;
    }

    /// <summary>A message that did not parse as a global model.</summary>
    public void RefuseUnparsable(string reason) => Refuse(0, reason);

    /// <summary>The aggregator's pace arrived.</summary>
    public void ObservePace(Pace pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        Pace = pace;
    }

    /// <summary>
    /// The invitation rule: whether the pace asks this device for an update now. No pace yet: yes (an aggregator that does
    /// not steer). A FedAvg round is open: only a member of its cohort that has not trained for that round. Otherwise
    /// (buffered strategies): while updates are wanted, from every device or from the listed ones.
    /// </summary>
    public bool Invited() => Pace is not { } pace || IsInvitedBy(pace);

    /// <summary>The invitation rule applied to <paramref name="pace"/> (see <see cref="Invited"/>), e.g. a pace a driver is about to deliver.</summary>
    public bool IsInvitedBy(Pace pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        if (pace.Round != 0)
        {
            return pace.Round != _lastRound && pace.Cohort.Contains(_options.DeviceId);
        }

        return pace.UpdatesWanted > 0 && (pace.Cohort.Count == 0 || pace.Cohort.Contains(_options.DeviceId));
    }

    /// <summary>
    /// Whether a FedAvg round other than the one this device last answered samples it: a round re-opened on the same model
    /// version asks again for an update the device already sent (its first round was abandoned). Unknown after a restart
    /// (the round is not persisted): then the version rule alone holds.
    /// </summary>
    private bool InvitedToNewRound() =>
        _lastRound != 0 && Pace is { Round: not 0 } pace && pace.Round != _lastRound && pace.Cohort.Contains(_options.DeviceId);

    /// <summary>
    /// How long to wait before the next check-in: the pace's window for this device's memory class (Bonawitz et al. 2019,
    /// §2.3), or <paramref name="otherwise"/> before the first pace names one.
    /// </summary>
    public TimeSpan CheckInWindow(TimeSpan otherwise)
    {
        var window = Pace?.Windows.FirstOrDefault(w => w.MemoryClass == _options.MemoryClass);
        return window is null ? otherwise : TimeSpan.FromSeconds(window.WindowSeconds);
    }

    /// <summary>
    /// One tick: decides whether the device may train now — a newer (or newly invited) model, enough samples, budget, power,
    /// temperature, idleness and the pace's invitation — and sets <see cref="State"/> from it. Logs when the blockers change.
    /// </summary>
    public EligibilityDecision Evaluate(DeviceSignals signals)
    {
        var now = _time.GetUtcNow();
        TickSecureAggregation();
        var policy = _policy.Evaluate(PolicySignals(signals), now);
        var model = Installed;
        EligibilityDecision decision;
        if (Ledger.Refusal is { } refusal)
        {
            decision = EligibilityDecision.Blocked(EligibilityBlockers.PrivacyBudgetSpent, refusal);
        }
        else if (_secAgg is { } group)
        {
            // one group at a time: leaving it for a newer model would drop this device's (paid) update from its group
            decision = EligibilityDecision.Blocked(EligibilityBlockers.AlreadyContributed, $"taking part in a secure-aggregation group ({group.State}); waiting for it to end");
        }
        else if (model is null)
        {
            decision = EligibilityDecision.Blocked(EligibilityBlockers.NoModel, "no global model received yet");
        }
        else if (model.Version <= LastContributedVersion && (_checkIn.Enabled || !InvitedToNewRound()))
        {
            decision = EligibilityDecision.Blocked(EligibilityBlockers.AlreadyContributed, $"already contributed to global model v{model.Version}; waiting for a newer one");
        }
        else if (model.Version == _skippedVersion)
        {
            decision = EligibilityDecision.Blocked(EligibilityBlockers.ModelUnusable, $"global model v{model.Version} cannot be trained here; waiting for the next one");
        }
        else
        {
            decision = policy.Eligible && _checkIn.Enabled ? CheckInTo(model.Version, policy) : policy;
        }

        // what the aggregator hears (cohorts are drawn from devices that can train now) follows battery, heat and budget
        // whether or not there is a model to train; power that is good but not yet stable is a transient, not a wait
        State = StateFor(decision.Kinds | (policy.Kinds & ~EligibilityBlockers.PowerNotStable));
        Report(decision, model?.Version ?? 0);
        return decision;
    }

    /// <summary>
    /// The one place the check-in coin is used: eligible for <paramref name="version"/>, the device is offered its round —
    /// charged (once per version, before the coin is read) — and takes part only if the coin says yes.
    /// </summary>
    private EligibilityDecision CheckInTo(ulong version, EligibilityDecision eligible) => _checkIn.Offer(version) switch
    {
        CheckInOutcome.Joined => eligible,
        CheckInOutcome.Declined => EligibilityDecision.Blocked(
            EligibilityBlockers.CheckInDeclined, $"not taking part in the round of global model v{version} (random check-in); waiting for the next one"),
        _ => EligibilityDecision.Blocked(
            EligibilityBlockers.PrivacyBudgetSpent, $"the privacy ledger cannot afford another offered round (spent ε = {Ledger.Spent().Epsilon:G4} of {Ledger.Budget.Epsilon:G4})"),
    };

    /// <summary>Asked before every local step of a running contribution: the power, heat, budget and invitation part of <see cref="Evaluate"/>.</summary>
    public bool StillEligible(DeviceSignals signals) => _policy.Evaluate(PolicySignals(signals, training: true), _time.GetUtcNow()).Eligible;

    /// <summary>
    /// Runs one local contribution from the installed model (after an eligible <see cref="Evaluate"/>) and records it: the
    /// contributed version, the FedAvg round it answered, or the model version that cannot be trained here.
    /// </summary>
    public async Task<ContributionResult> ContributeAsync(Dataset samples, Func<bool> stillEligible, CancellationToken cancellationToken)
    {
        var model = Installed ?? throw new InvalidOperationException("No model is installed: Evaluate says so before a contribution.");
        ulong round = Pace?.Round ?? 0;
        State = DeviceState.Training;
        LogTrainingStarted(model.Version, samples.Count);
        ContributionResult result;
        try
        {
            result = await _runner.RunAsync(model, samples, stillEligible, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // a full outbox, a broken artifact or a cancelled run: the device is not training any more
            State = DeviceState.Idle;
            throw;
        }

        State = result.Outcome == ContributionOutcome.BudgetExhausted ? DeviceState.BudgetExhausted : DeviceState.Idle;
        switch (result.Outcome)
        {
            case ContributionOutcome.Enqueued:
                _models.RecordContribution(model.Version);
                LastContribution = _time.GetUtcNow();
                break;
            case ContributionOutcome.HandedToSecureAggregation:
                _secAggContributedBefore = _models.LastContributedVersion;
                _models.RecordContribution(model.Version);
                LastContribution = _time.GetUtcNow();
                JoinSecureAggregation(model.Version, result.Delta!, result.SubsetId);
                break;
            case ContributionOutcome.IncompatibleModel or ContributionOutcome.Diverged:
                // retrying the same model would fail the same way: wait for the next one
                _skippedVersion = model.Version;
                break;
        }

        if (result.Outcome != ContributionOutcome.Interrupted)
        {
            // answered (or cannot answer) this round; an interrupted run may try the same round again
            _lastRound = round;
        }

        LogContribution(result.Outcome, result.Message);
        Decide(DeviceDecisionKind.Contributed, model.Version, result.Outcome.ToString());
        return result;
    }

    /// <summary>
    /// Distributed DP: the participant's messages waiting to be published on this device's secagg topic
    /// (<c>TopicScheme.SecAgg</c>, QoS 1, not retained), in order; the caller publishes them. A message that is lost is a
    /// dropout, which the protocol tolerates.
    /// </summary>
    public IReadOnlyList<SecAggDeviceMessage> TakeSecureAggregationMessages()
    {
        var messages = _secAggOutgoing.ToArray();
        _secAggOutgoing.Clear();
        return messages;
    }

    /// <summary>
    /// Distributed DP: a message from this device's secagg inbox (roster, relayed shares, unmask request, abandoned). The
    /// participant checks it; its answer — and the masked update once the roster allows it — are queued for
    /// <see cref="TakeSecureAggregationMessages"/>. Refused (nothing changes) when the device is in no group.
    /// </summary>
    public SecAggParticipantStep ReceiveSecureAggregation(ReadOnlySpan<byte> payload)
    {
        TickSecureAggregation();
        if (_secAgg is not { } group)
        {
            return new SecAggParticipantStep(null, "the device is in no secure-aggregation group");
        }

        var step = group.Receive(payload, _parser);
        if (step.Outgoing is { } answer)
        {
            _secAggOutgoing.Enqueue(answer);
        }

        if (step.Rejection is { } reason)
        {
            LogSecAggRefused(reason);
        }

        SubmitSecureAggregationUpdate();
        EndSecureAggregationIfFinished();
        return step;
    }

    private void JoinSecureAggregation(ulong version, float[] update, ReadOnlyMemory<byte> subsetId)
    {
        EndSecureAggregation();
        _secAgg = new SecAggParticipant(
            _options.Fleet,
            _options.DeviceId,
            version,
            new SecAggParticipantOptions { MinimumNoiseMultiplier = _options.Privacy.NoiseMultiplier, SamplingRate = _options.Privacy.CheckInRate, SubsetId = subsetId },
            _randomness.Ids,
            _time);
        _secAggUpdate = update;
        _secAggVersion = version;
        _secAggOutgoing.Enqueue(_secAgg.Join());
        LogSecAggJoined(version);
        Decide(DeviceDecisionKind.SecureAggregationJoined, version, string.Empty);
    }

    /// <summary>The update goes in as soon as the participant takes it (after its shares went out).</summary>
    private void SubmitSecureAggregationUpdate()
    {
        if (_secAgg is not { } group || _secAggUpdate is not { } update || group.State is not (SecAggParticipantState.SharesSent or SecAggParticipantState.SharesReceived))
        {
            return;
        }

        var step = group.SubmitUpdate(update);
        Array.Clear(update);
        _secAggUpdate = null;
        if (step.Outgoing is { } masked)
        {
            _secAggOutgoing.Enqueue(masked);
        }

        if (step.Rejection is { } reason)
        {
            LogSecAggRefused(reason);
        }
    }

    private void TickSecureAggregation()
    {
        if (_secAgg is { } group)
        {
            group.Tick();
            EndSecureAggregationIfFinished();
        }
    }

    private void EndSecureAggregationIfFinished()
    {
        if (_secAgg is { IsFinished: true } group)
        {
            LogSecAggEnded(group.State, group.EndReason ?? string.Empty);
            Decide(DeviceDecisionKind.SecureAggregationEnded, 0, $"{group.State} {group.EndReason}".TrimEnd());
            FreeVersionOfAbandonedGroup(group.State);
            EndSecureAggregation();
        }
    }

    /// <summary>
    /// An abandoned group released nothing (the aggregator abandons a group only before it unmasks a sum), so the device may
    /// try the same model version once more in another group: without it, members of groups abandoned while forming wait
    /// for a version that a small fleet may never make (measured: 24 homes, groups of 10, stuck at v1 for 6 h). Once per
    /// version, so a device whose join the aggregator refuses (its ledger) does not retry without end. The retry is charged
    /// like any contribution: q = 1, a new release; with check-ins, the coin's "yes" for the version stands (the offer was
    /// charged, nothing of it was released) and the new join is recorded against the aggregator. An expired group (this
    /// device's deadline) does not free its version: the group may have been released with this device's input in it.
    /// </summary>
    private void FreeVersionOfAbandonedGroup(SecAggParticipantState state)
    {
        if (state != SecAggParticipantState.Abandoned || _secAggVersion == 0 || _secAggFreedVersion == _secAggVersion || _models.LastContributedVersion != _secAggVersion)
        {
            return;
        }

        _models.RecordContribution(_secAggContributedBefore);
        _secAggFreedVersion = _secAggVersion;
    }

    private void EndSecureAggregation()
    {
        _secAgg?.Dispose();
        _secAgg = null;
        if (_secAggUpdate is { } update)
        {
            Array.Clear(update);
            _secAggUpdate = null;
        }
    }

    /// <summary>The device's status — its one definition, retained on the status topic and read by the aggregator.</summary>
    /// <param name="state">The state to report (usually <see cref="State"/>; Offline at a graceful stop).</param>
    /// <param name="power">The power state now.</param>
    /// <param name="served">The serving choice (figures only, never a parameter).</param>
    public DeviceStatus Status(DeviceState state, PowerState power, ServedSnapshot served)
    {
        ArgumentNullException.ThrowIfNull(served);
        var status = new DeviceStatus
        {
            ProtocolMajor = ProtocolVersion.Major,
            DeviceId = _options.DeviceId,
            Fleet = _options.Fleet,
            State = state,
            MemoryBudgetBytes = (ulong)_options.MemoryBudgetBytes,
            ComputeScore = 1,
            PowerSource = power == PowerState.OnBattery ? PowerSource.Battery : PowerSource.Mains,
            Charging = power == PowerState.Charging,
            ModelVersion = Installed?.Version ?? 0,
            PrivacyEpsilonLeft = Ledger.RemainingEpsilon,
            TimestampUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            MemoryClass = _options.MemoryClass,
        };
        if (served.Revision == 0)
        {
            return status;
        }

        status.ServedModel = served.Served == ServedModel.Personal ? ActivityClassifier.PersonalModelSource : ActivityClassifier.GlobalModelSource;
        status.ServedValidationSamples = (uint)served.Choice.ValidationCount;
        if (double.IsFinite(served.Choice.GlobalAccuracy))
        {
            status.ServedGlobalAccuracy = served.Choice.GlobalAccuracy;
        }

        if (double.IsFinite(served.Choice.PersonalAccuracy))
        {
            status.ServedPersonalAccuracy = served.Choice.PersonalAccuracy;
        }

        return status;
    }

    /// <summary>The device's diagnostics — what Home Assistant shows and <c>fededge-agent status</c> prints.</summary>
    public DeviceDiagnostics Diagnostics(DeviceState state, ServedSnapshot served, int outboxDepth)
    {
        ArgumentNullException.ThrowIfNull(served);
        var decision = Eligibility;
        double spent = Ledger.Spent().Epsilon;
        double seen = Ledger.SpentAgainstAggregator().Epsilon;
        return new DeviceDiagnostics
        {
            Device = _options.DeviceId,
            Fleet = _options.Fleet,
            State = DeviceDiagnostics.StateName(state),
            Eligible = decision?.Eligible ?? false,
            Reason = decision is null ? "not checked yet" : decision.Eligible ? null : decision.ToString(),
            Blockers = decision?.Codes ?? [],
            EpsilonSpent = double.IsFinite(spent) ? spent : 0,
            EpsilonLeft = Ledger.RemainingEpsilon,
            EpsilonBudget = Ledger.Budget.Epsilon,
            EpsilonAgainstAggregator = double.IsFinite(seen) ? seen : 0,
            CheckInRate = _checkIn.Rate,
            Ledger = Ledger.Refusal ?? DeviceDiagnostics.LedgerOk,
            LedgerResetAt = Ledger.LastReset?.Time,
            LastContribution = LastContribution,
            ServedModel = served.Served == ServedModel.Personal ? ActivityClassifier.PersonalModelSource : ActivityClassifier.GlobalModelSource,
            ServedReason = served.Revision == 0 ? null : served.Choice.Reason,
            ModelVersion = Installed?.Version ?? 0,
            OutboxDepth = outboxDepth,
            Updated = _time.GetUtcNow(),
        };
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        EndSecureAggregation();
        _runner.Dispose();
        Outbox.Dispose();
        Ledger.Dispose();
        _verifier.Dispose();
        _randomness.Dispose();
    }

    private EligibilitySignals PolicySignals(DeviceSignals signals, bool training = false) => new(
        signals.Idle,
        signals.Power,
        signals.TemperatureCelsius,
        _checkIn.Enabled ? _checkIn.Affords(Installed?.Version ?? 0) : _runner.CanAfford(),
        signals.SamplesAvailable >= _options.Training.MinSamples,
        training || Invited(),
        signals.IdleSoFar);

    private static DeviceState StateFor(EligibilityBlockers kinds) => kinds switch
    {
        var k when k.HasFlag(EligibilityBlockers.PrivacyBudgetSpent) => DeviceState.BudgetExhausted,
        var k when k.HasFlag(EligibilityBlockers.TooHot) => DeviceState.ThermalWait,
        var k when (k & (EligibilityBlockers.OnBattery | EligibilityBlockers.PowerUnknown | EligibilityBlockers.PowerNotStable)) != 0 => DeviceState.ChargingWait,
        _ => DeviceState.Idle,
    };

    /// <summary>
    /// Keeps the decision for the diagnostics and logs it at Information when the blocking conditions change — not every
    /// tick — so a device that never trains says why ("Not training: on battery; idle for 2 of 5 min").
    /// </summary>
    private void Report(EligibilityDecision decision, ulong version)
    {
        Eligibility = decision;
        if (_reportedBlockers == decision.Kinds)
        {
            return;
        }

        _reportedBlockers = decision.Kinds;
        if (decision.Eligible)
        {
            LogEligible(version);
            Decide(DeviceDecisionKind.Eligible, version, string.Empty);
        }
        else
        {
            LogNotTraining(decision);
            Decide(DeviceDecisionKind.NotEligible, version, string.Join(',', decision.Codes));
        }
    }

    private ModelOffer Refuse(ulong version, string reason)
    {
        LogModelRefused(version, reason);
        Decide(DeviceDecisionKind.ModelRefused, version, reason);
        return ModelOffer.Refused;
    }

    private void Decide(DeviceDecisionKind kind, ulong version, string detail) => Decided?.Invoke(new DeviceDecision(_options.DeviceId, kind, version, detail));

    [LoggerMessage(EventId = 30, Level = LogLevel.Critical, Message = "{Reason}")]
    private static partial void LogLedgerRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Privacy ledger migrated to format 2 ({Records} records, chained); the format-1 file is kept at {Kept}")]
    private static partial void LogLedgerMigrated(ILogger logger, int records, string kept);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Privacy ledger was reset at {At}; ε {Carried} spent before it is carried forward")]
    private static partial void LogLedgerWasReset(ILogger logger, DateTimeOffset at, double carried);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Accepted global model version {Version} ({Architecture})")]
    private partial void LogModelAccepted(ulong version, string architecture);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Refused global model version {Version}: {Reason}")]
    private partial void LogModelRefused(ulong version, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Not training: {Reason}")]
    private partial void LogNotTraining(EligibilityDecision reason);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Eligible: training on global model v{Version}")]
    private partial void LogEligible(ulong version);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Contribution {Outcome}: {Message}")]
    private partial void LogContribution(ContributionOutcome outcome, string message);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "Joining secure aggregation for global model v{Version}")]
    private partial void LogSecAggJoined(ulong version);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Refused a secure-aggregation message: {Reason}")]
    private partial void LogSecAggRefused(string reason);

    [LoggerMessage(EventId = 19, Level = LogLevel.Information, Message = "Secure-aggregation group ended ({State}): {Reason}")]
    private partial void LogSecAggEnded(SecAggParticipantState state, string reason);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Training on global model version {Version} with {Samples} samples")]
    private partial void LogTrainingStarted(ulong version, int samples);
}
