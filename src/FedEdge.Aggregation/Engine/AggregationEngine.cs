using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.SecureAggregation;
using FedEdge.Aggregation.State;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.FedAvg;
using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Aggregation.Robust;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace FedEdge.Aggregation.Engine;

/// <summary>
/// The aggregator's core, independent of MQTT: validate → persist → (step) → sign. The service
/// shell feeds it received messages and publishes what it returns; the simulator drives the same
/// object. Every state change is committed to <see cref="AggregatorStateStore"/> before the method
/// that made it returns, so the caller may acknowledge the message afterwards and a kill -9 at any
/// point loses nothing that was acknowledged. Not thread-safe: one caller loop.
/// </summary>
public sealed partial class AggregationEngine
{
    private const string RoundKey = "fedavg.round";
    private const string SubsetKey = "ftte.subset";
    private const string ImportanceKey = "ftte.importance";
    private const string EarlierSubsetsKey = "ftte.earlierSubsets";
    private const string UnknownClass = "unknown";
    private const string OtherClass = "other";

    // beyond this many devices' status buckets the table is cleared (every device then starts with a full burst): a bound,
    // not a policy — device ids come from topics the broker's ACL ties to certificates
    private const int MaxStatusBuckets = 100_000;
    private readonly HashSet<string> _memoryClasses;
    private readonly Dictionary<string, int> _classCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Tokens, DateTimeOffset At)> _statusBuckets = new(StringComparer.Ordinal);
    private DateTimeOffset _logWindow = DateTimeOffset.MinValue;
    private int _logLines;
    private long _logSuppressed;
    private readonly AggregationEngineOptions _options;
    private readonly AggregatorStateStore _store;
    private readonly ModelSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AggregatorMetrics _metrics;
    private readonly UpdateValidator _validator;
    private readonly WireParser _parser = new();
    private readonly IAggregationStrategy _strategy;
    private readonly DeviceRdpLedger _ledger;
    private readonly Random _cohortRandom;
    private readonly List<ClientUpdate> _buffer = [];
    private readonly CheckInRateEstimate _checkInRate;
    private readonly Dictionary<string, (string MemoryClass, long Budget, bool Available)> _devices = new(StringComparer.Ordinal);

    // Devices whose availability topic last said "offline". The broker replays both retained topics to a restarted
    // aggregator in no fixed order, and a crashed device's status stays what it was (its will goes to availability),
    // so a stale "idle" status must not bring back a device that availability reported gone.
    private readonly HashSet<string> _unavailable = new(StringComparer.Ordinal);
    private ParameterSet _global;
    private RoundState _plan = RoundState.Empty;

    // FTTE: the subsets replaced within the staleness window, with the last version that assigned each. A device that
    // trained one before the server re-chose it is still within MaxStaleness, and its update is pooled over the coordinates
    // it trained (BufferedStep's cells) instead of refused. At most MaxStaleness + 1 entries.
    private readonly List<(long Version, ParameterSubset Subset)> _earlierSubsets = [];
    private Dictionary<string, ParameterSubset>? _subsetsByHash;
    private byte[] _modelMessage = [];

    /// <summary>Creates the engine; call <see cref="Initialize"/> before use.</summary>
    public AggregationEngine(AggregationEngineOptions options, AggregatorStateStore store, ModelSigner signer, TimeProvider time, ILogger logger, AggregatorMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(metrics);
        _options = options;
        _store = store;
        _signer = signer;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        Architecture = ModelArchitecture.Parse(options.Architecture);
        _validator = new UpdateValidator(_parser, options.Validation, options.EffectiveMaxUpdateNorm(Architecture.Layout.TotalLength), options.Privacy.RequiresDp);
        _strategy = StrategyFactory.Create(options);
        _ledger = new DeviceRdpLedger(options.Privacy);
        _memoryClasses = new HashSet<string>(options.MemoryClasses ?? AggregationEngineOptions.DefaultMemoryClasses, StringComparer.Ordinal);
        _cohortRandom = new Random(options.Seed);
        _checkInRate = new CheckInRateEstimate(options.Privacy.CheckInRate);
        _global = new ParameterSet(Architecture.Layout);
    }

    /// <summary>The model being trained.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The strategy's descriptive name.</summary>
    public string StrategyName => _strategy.Name;

    /// <summary>The newest global model's version.</summary>
    public long CurrentVersion { get; private set; }

    /// <summary>The oldest base version an update may have now: older ones exceed <see cref="AggregationEngineOptions.MaxStaleness"/> and are refused.</summary>
    public long OldestUsableVersion => CurrentVersion - _options.MaxStaleness;

    /// <summary>A copy of the newest global parameters.</summary>
    public ParameterSet Global => _global.Clone();

    /// <summary>The signed GlobalModel message of the newest version, to publish retained.</summary>
    public ReadOnlyMemory<byte> CurrentModelMessage => _modelMessage;

    /// <summary>Updates waiting for the next step.</summary>
    public int BufferCount => _buffer.Count;

    /// <summary>ε the aggregator's ledger has charged <paramref name="device"/>, at the fleet's δ (0 before its first DP update).</summary>
    public double PrivacySpent(string device) => _ledger.Epsilon(_store.PrivacyCurve(device));

    /// <summary>The RDP curve the aggregator's ledger holds for <paramref name="device"/> (on <see cref="FedEdge.Core.Privacy.RdpAccountant.DefaultOrders"/>), or null before its first charge.</summary>
    public double[]? PrivacyCurve(string device) => _store.PrivacyCurve(device);

    /// <summary>The FTTE subset devices train now (null for dense strategies).</summary>
    public ParameterSubset? Subset => _plan.Subset;

    /// <summary>The open FedAvg round, if any.</summary>
    public TrainingRound? Round => _plan.Round;

    /// <summary>
    /// Loads the newest model and the buffer from the store, or creates and persists version 1 from
    /// the seeded initial weights; restores the FTTE subset and the FedAvg round.
    /// </summary>
    public void Initialize()
    {
        var latest = _store.LatestModel();
        RestorePlan();
        if (latest is null)
        {
            _global = Architecture.InitialParameters(new Random(_options.Seed));
            CurrentVersion = 0;
            Configure(_time.GetUtcNow());

            var first = SignAndStore(_global, 1, []);
            LogInitialModel(first.Version, Architecture);
        }
        else
        {
            _global = new ParameterSet(Architecture.Layout, BytesToFloats(latest.Parameters, Architecture.Layout.TotalLength));
            CurrentVersion = latest.Version;
            _modelMessage = latest.SignedMessage;
            foreach (var stored in _store.Buffer())
            {
                _buffer.Add(Restore(stored));
            }

            LogResumed(CurrentVersion, _buffer.Count);
        }

        Configure(_time.GetUtcNow());
        _metrics.ModelVersion.Set(CurrentVersion);
        _metrics.BufferFill.Set(_buffer.Count);
    }

    /// <summary>
    /// Handles one message from an update topic: validates it, persists it if new, and takes an
    /// aggregation step when the strategy is ready. Acknowledge the message after this returns.
    /// </summary>
    public IntakeResult Receive(string topic, ReadOnlySpan<byte> payload)
    {
        var now = _time.GetUtcNow();
        _metrics.Received.Inc();
        if (_options.Privacy.Mode == FleetDpMode.Distributed)
        {
            // refused before parsing: nothing of an individual update is looked at, stored or counted against a budget
            return Rejected(IntakeVerdict.Reject(
                RejectionReason.SecureAggregationRequired,
                "the fleet runs secure aggregation (Privacy:Mode = Distributed): updates go masked to the secagg topic, plain updates are refused"));
        }

        var verdict = _validator.Validate(topic, payload, new UpdateValidationContext(
            _options.Fleet, Architecture.Layout, CurrentVersion, SubsetsByHash(), id => _store.IsSeen(id),
            device => _store.TryCountUpdate(device, now, TimeSpan.FromHours(1), _options.Validation.MaxUpdatesPerDevicePerHour))
        {
            MaxStaleness = _options.Strategy == StrategyKind.FedAvg ? null : _options.MaxStaleness,
        }, now);
        if (verdict.Kind == IntakeOutcome.Duplicate)
        {
            _metrics.Duplicates.Inc();
            return new IntakeResult(verdict, null);
        }

        if (verdict.Kind == IntakeOutcome.Rejected)
        {
            return Rejected(verdict);
        }

        var update = verdict.Update!;
        var client = ToClientUpdate(update, verdict.Delta!);
        var admitted = _strategy.Admit(client, _buffer, Context(now));
        if (!admitted.Accepted)
        {
            return Rejected(IntakeVerdict.Reject(admitted.Rejection!.Value, admitted.Message, update));
        }

        // the aggregator's own ledger: what this device declared so far plus this update, against the fleet's ε
        double[]? curve = _ledger.Charge(_store.PrivacyCurve(update.DeviceId), update.Dp);
        if (curve is not null && !_ledger.WithinBudget(curve))
        {
            return Rejected(IntakeVerdict.Reject(
                RejectionReason.PrivacyBudgetExceeded,
                string.Create(CultureInfo.InvariantCulture, $"ε would reach {_ledger.Epsilon(curve):G4}, the fleet's budget is {_options.Privacy.Epsilon:G4} at δ = {_options.Privacy.Delta:G2}"),
                update));
        }

        byte[] id = update.UpdateId.ToByteArray();
        var stored = new BufferedUpdate(id, update.DeviceId, (long)update.BaseModelVersion, now, (long)update.SampleCount, payload.ToArray());
        if (_store.TryAccept(stored, curve) == AcceptOutcome.Duplicate)
        {
            _metrics.Duplicates.Inc();
            return new IntakeResult(IntakeVerdict.Duplicate(update), null);
        }

        _buffer.Add(client);
        _checkInRate.Observe(update.Dp);
        _metrics.Accepted.Inc();
        _metrics.Staleness.Observe(CurrentVersion - (long)update.BaseModelVersion);
        _metrics.BufferFill.Set(_buffer.Count);
        return new IntakeResult(verdict, Tick(now));
    }

    /// <summary>
    /// Receives several updates with one group commit (one fsync for all of them): acknowledge them
    /// only after this returns. If the commit fails the exception propagates and the engine's
    /// in-memory state is ahead of the disk: the process must restart (the broker redelivers).
    /// </summary>
    public IReadOnlyList<IntakeResult> ReceiveBatch(IReadOnlyList<(string Topic, ReadOnlyMemory<byte> Payload)> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var results = new IntakeResult[messages.Count];
        using var batch = _store.BeginBatch();
        for (int i = 0; i < messages.Count; i++)
        {
            results[i] = Receive(messages[i].Topic, messages[i].Payload.Span);
        }

        batch.Commit();
        return results;
    }

    /// <summary>
    /// Time-driven work: opens a FedAvg round when none is open, and closes or abandons one at its
    /// deadline. Returns the new model if a step was taken. Call it periodically.
    /// </summary>
    public StoredModel? Tick(DateTimeOffset? at = null)
    {
        var now = at ?? _time.GetUtcNow();
        Configure(now);
        switch (_strategy.Decide(_plan, _buffer, Context(now)))
        {
            case RoundDecision.Close:
                return Step(now);
            case RoundDecision.Abandon:
                LogRoundAbandoned(_plan.Round?.Number ?? 0, _buffer.Count);
                _store.Discard(_buffer.Select(b => Convert.FromHexString(b.UpdateId)));
                _buffer.Clear();
                _metrics.BufferFill.Set(0);
                _plan = _plan with { Round = null };
                Configure(now);
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Records a device's status: memory class and budget (FTTE, metrics) and whether it can train now
    /// (FedAvg samples new cohorts only from devices that are not waiting for power, cooling down or out of budget).
    /// An Offline status removes the device, as <see cref="ObserveAvailability"/> does; a status of a device whose
    /// availability says "offline" is not recorded until the device is "online" again. Invalid statuses are ignored.
    /// </summary>
    public bool ObserveStatus(string topic, ReadOnlySpan<byte> payload)
    {
        var parsed = _parser.ParseDeviceStatus(payload);
        if (!parsed.TryGet(out var status, out _)
            || !TopicScheme.TryParse(topic, out var address, out _)
            || address.Kind != TopicKind.Status
            || address.Device != status.DeviceId
            || status.Fleet != _options.Fleet)
        {
            return false;
        }

        if (status.State == DeviceState.Offline)
        {
            Forget(status.DeviceId);
            return true;
        }

        if (_unavailable.Contains(status.DeviceId))
        {
            return true;
        }

        if (!TakeStatusToken(status.DeviceId))
        {
            _metrics.StatusesDropped.Inc();
            return false;
        }

        // A device waiting for power, cooling down or out of budget cannot train now: FedAvg leaves it out of new cohorts.
        string memoryClass = status.MemoryClass.Length == 0 ? UnknownClass : _memoryClasses.Contains(status.MemoryClass) ? status.MemoryClass : OtherClass;
        bool available = status.State is not (DeviceState.ChargingWait or DeviceState.ThermalWait or DeviceState.BudgetExhausted);
        bool known = _devices.TryGetValue(status.DeviceId, out var before);
        _devices[status.DeviceId] = (memoryClass, (long)Math.Min(status.MemoryBudgetBytes, long.MaxValue), available);
        if (!known || !string.Equals(before.MemoryClass, memoryClass, StringComparison.Ordinal))
        {
            if (known)
            {
                SetDeviceCount(before.MemoryClass, -1);
            }

            SetDeviceCount(memoryClass, +1);
        }
        return true;
    }

    /// <summary>
    /// Records a device's availability (<see cref="TopicKind.Availability"/>, plain "online" / "offline"): "offline" —
    /// the device's last will after a lost connection, or its own word at a graceful stop — removes the device exactly
    /// as an Offline status does, so it is in no new cohort and no check-in window; "online" lets its next status count
    /// again. Anything else (another topic, another fleet, another payload) is ignored and returns false.
    /// </summary>
    public bool ObserveAvailability(string topic, ReadOnlySpan<byte> payload)
    {
        if (!TopicScheme.TryParse(topic, out var address, out _)
            || address.Kind != TopicKind.Availability
            || address.Fleet != _options.Fleet
            || DeviceAvailability.TryParse(payload) is not { } online)
        {
            return false;
        }

        if (online)
        {
            _unavailable.Remove(address.Device!);
        }
        else
        {
            _unavailable.Add(address.Device!);
            Forget(address.Device!);
        }

        return true;
    }

    /// <summary>Token bucket per device: <see cref="AggregationEngineOptions.StatusBurst"/> at once, then the per-minute rate.</summary>
    private bool TakeStatusToken(string device)
    {
        var now = _time.GetUtcNow();
        if (_statusBuckets.Count >= MaxStatusBuckets && !_statusBuckets.ContainsKey(device))
        {
            _statusBuckets.Clear();
        }

        double tokens = _options.StatusBurst;
        if (_statusBuckets.TryGetValue(device, out var bucket))
        {
            double refill = Math.Max(0, (now - bucket.At).TotalMinutes) * _options.StatusesPerDevicePerMinute;
            tokens = Math.Min(_options.StatusBurst, bucket.Tokens + refill);
        }

        if (tokens < 1.0)
        {
            _statusBuckets[device] = (tokens, now);
            return false;
        }

        _statusBuckets[device] = (tokens - 1.0, now);
        return true;
    }

    private void Forget(string device)
    {
        if (_devices.Remove(device, out var known))
        {
            SetDeviceCount(known.MemoryClass, -1);
        }
    }

    /// <summary>Keeps the per-class device count (a handful of classes, <see cref="AggregationEngineOptions.MemoryClasses"/>) and its gauge.</summary>
    private void SetDeviceCount(string memoryClass, int change)
    {
        int count = _classCounts.GetValueOrDefault(memoryClass) + change;
        _classCounts[memoryClass] = count;

        // set even when 0, so the gauge of a class whose last device left does not keep its old value
        _metrics.DevicesPerMemoryClass.WithLabels(memoryClass).Set(count);
    }

    /// <summary>
    /// Pace steering (Bonawitz et al. 2019, §2.3): how many updates the aggregator wants (K for a buffered strategy, the
    /// unreported cohort for a FedAvg round; <see cref="IAggregationStrategy.UpdatesWanted"/>) and, per
    /// memory class, a check-in window W such that the class's n devices, each checking in once per W and joining an
    /// offered round with the fleet's declared check-in rate q (<see cref="CheckInRateEstimate"/>; 1 without random
    /// check-ins), deliver the wanted updates within the target step interval T: W = n·q·T / wanted, clamped to
    /// [10 s, 1 h]. Without the q a fleet at q = 0.1 checks in as if every check-in were an update and steps ten times
    /// slower than T. n counts every known device of the class, also those waiting for power: sizing W by the devices
    /// that can train now was tried and reverted — with random check-ins a device flips its coin once per model version,
    /// so when most of the fleet is out of budget or unplugged the few others were asked to check in every 10 s for no
    /// more joins (docs/evaluation.md, "Fourth pass").
    /// </summary>
    public Pace CurrentPace()
    {
        int wanted = _strategy.UpdatesWanted(_buffer, Context(_time.GetUtcNow()));
        var pace = new Pace
        {
            ProtocolMajor = ProtocolVersion.Major,
            Fleet = _options.Fleet,
            UpdatesWanted = (uint)wanted,
            ModelVersion = (ulong)CurrentVersion,
            CreatedAtUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            Round = (ulong)(_plan.Round?.Number ?? 0),
        };
        if (_plan.Round is { } round)
        {
            pace.Cohort.AddRange(round.Cohort);
        }

        double checkInRate = _checkInRate.Rate;
        foreach (var group in _devices.Values.GroupBy(d => d.MemoryClass, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Take(16))
        {
            double seconds = wanted == 0 ? 3600 : group.Count() * checkInRate * _options.TargetStepInterval.TotalSeconds / wanted;
            pace.Windows.Add(new CheckInWindow { MemoryClass = group.Key, WindowSeconds = (uint)Math.Clamp(seconds, 10, 3600) });
        }

        return pace;
    }

    /// <summary>
    /// Distributed mode: applies a secure-aggregation group's released mean as ONE pre-aggregated update of weight = its
    /// survivors (the group is the buffer K; <see cref="StrategyFactory"/> says which strategy steps on it), signs and stores
    /// the new model. An abandoned group, or a mean too stale for the strategy, changes nothing and returns null.
    /// </summary>
    /// <param name="groupId">The group (for logs and the update id).</param>
    /// <param name="baseVersion">The model version the members trained from.</param>
    /// <param name="survivors">Members whose masked input is in the sum.</param>
    /// <param name="mean">The decoded noisy sum divided by <paramref name="survivors"/>, one value per model parameter.</param>
    /// <param name="subsetIds">
    /// FTTE: the subset each survivor's join declared (content hash; empty = all parameters). Each coordinate's mean is then
    /// the sum over the survivors that trained it (the others sent zero there, plus their share of the noise): mean_j ← mean_j ·
    /// n / c_j with c_j the survivors covering j, and 0 where none did. Null or all empty: the mean as it is.
    /// </param>
    /// <exception cref="InvalidOperationException">The fleet is not in distributed mode.</exception>
    /// <exception cref="ArgumentException">The mean's length is not the model's, or the subsets are not one per survivor.</exception>
    public StoredModel? ApplyGroupMean(long groupId, long baseVersion, int survivors, float[] mean, IReadOnlyList<ReadOnlyMemory<byte>>? subsetIds = null)
    {
        ArgumentNullException.ThrowIfNull(mean);
        if (_options.Privacy.Mode != FleetDpMode.Distributed)
        {
            throw new InvalidOperationException("Group means are applied only in Privacy:Mode = Distributed.");
        }

        if (mean.Length != Architecture.Layout.TotalLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The group mean has {mean.Length} values, the model {Architecture.Layout.TotalLength}."), nameof(mean));
        }

        var now = _time.GetUtcNow();
        string id = string.Create(CultureInfo.InvariantCulture, $"{groupId:X16}");
        if (subsetIds is not null && subsetIds.Count != survivors)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{subsetIds.Count} subsets for {survivors} survivors."), nameof(subsetIds));
        }

        var group = new ClientUpdate(id, "secagg-group-" + id, baseVersion, mean, Math.Max(1, survivors));
        var admitted = _strategy.Admit(group, [], Context(now));
        if (!admitted.Accepted)
        {
            _metrics.Rejected.WithLabels(admitted.Rejection!.Value.ToString()).Inc();
            LogGroupRefused(id, baseVersion, admitted.Rejection.Value, admitted.Message);
            return null;
        }

        // after the staleness check: a too-stale group's subsets may be forgotten, and it is refused as too stale
        if (subsetIds is not null && subsetIds.Any(s => !s.IsEmpty))
        {
            float[] divided = (float[])mean.Clone();
            if (DivideByCoverage(divided, subsetIds) is { } unknown)
            {
                _metrics.Rejected.WithLabels(nameof(RejectionReason.UnknownSubset)).Inc();
                LogGroupRefused(id, baseVersion, RejectionReason.UnknownSubset, unknown);
                return null;
            }

            group = group with { Delta = divided };
        }

        _metrics.Accepted.Inc(survivors);
        _metrics.Staleness.Observe(CurrentVersion - baseVersion);
        return Step(now, [group], []);
    }

    /// <summary>
    /// mean_j ← mean_j · n / c_j, c_j = the members whose subset covers coordinate j (a dense member covers all), 0 where
    /// c_j = 0; unchanged when every member is dense. Returns why not (a subset this aggregator no longer knows), else null.
    /// </summary>
    private string? DivideByCoverage(float[] mean, IReadOnlyList<ReadOnlyMemory<byte>> subsetIds)
    {
        int dense = 0;
        int[] cover = new int[mean.Length];
        foreach (var subsetId in subsetIds)
        {
            if (subsetId.IsEmpty)
            {
                dense++;
                continue;
            }

            if (!TryGetSubset(subsetId.Span, out var subset))
            {
                return $"a member trained subset {Convert.ToHexStringLower(subsetId.Span[..8])}…, which this aggregator no longer knows";
            }

            foreach (int index in subset.Indices)
            {
                cover[index]++;
            }
        }

        float survivors = subsetIds.Count;
        for (int j = 0; j < mean.Length; j++)
        {
            int covered = dense + cover[j];
            mean[j] = covered == 0 ? 0f : mean[j] * (survivors / covered);
        }

        return null;
    }

    /// <summary>
    /// The base version to apply a secure-aggregation group's mean with when its members trained from
    /// <paramref name="memberVersions"/>: FedBuff weighs each update by s(τ) = 1/√(1+τ), which a masked sum cannot do one
    /// by one, so the mean gets the members' mean weight w̄ = mean s(τ_i) — the version whose staleness τ = 1/w̄² − 1
    /// (rounded) has it. All of one version: that version. Members newer than the current model count as τ = 0.
    /// </summary>
    /// <exception cref="ArgumentException">No versions.</exception>
    public long EquivalentBaseVersion(IReadOnlyList<long> memberVersions)
    {
        ArgumentNullException.ThrowIfNull(memberVersions);
        if (memberVersions.Count == 0)
        {
            throw new ArgumentException("A group has at least one member.", nameof(memberVersions));
        }

        double weight = 0;
        foreach (long version in memberVersions)
        {
            weight += StalenessWeight.Polynomial(Math.Max(0, CurrentVersion - version));
        }

        weight /= memberVersions.Count;
        return CurrentVersion - (long)Math.Round((1.0 / (weight * weight)) - 1.0);
    }

    /// <summary>
    /// Distributed mode, before a device is placed in a secure-aggregation group: null when the aggregator's ledger for it can
    /// afford one more released group at the fleet's z and the check-in rate <paramref name="samplingRate"/> its join declared
    /// (0 = none declared, charged as 1), else the refusal (<see cref="RejectionReason.PrivacyBudgetExceeded"/> and the ε it
    /// would reach), or <see cref="RejectionReason.UnknownSubset"/> when the join names an FTTE subset (<paramref name="subsetId"/>)
    /// that is neither assigned now nor one of the staleness window's. A device refused here is in no group, so no group's sum
    /// can hold its update.
    /// </summary>
    public string? RefuseGroupMember(string device, double samplingRate, ReadOnlyMemory<byte> subsetId = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!subsetId.IsEmpty && !TryGetSubset(subsetId.Span, out _))
        {
            _metrics.Rejected.WithLabels(nameof(RejectionReason.UnknownSubset)).Inc();
            return $"{nameof(RejectionReason.UnknownSubset)}: the update covers a subset this aggregator does not know (neither assigned now nor within the staleness window)";
        }

        double[]? curve = _ledger.Charge(_store.PrivacyCurve(device), GroupRound(samplingRate));
        if (curve is null || _ledger.WithinBudget(curve))
        {
            _checkInRate.Observe(samplingRate);
            return null;
        }

        _metrics.Rejected.WithLabels(nameof(RejectionReason.PrivacyBudgetExceeded)).Inc();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{nameof(RejectionReason.PrivacyBudgetExceeded)}: ε would reach {_ledger.Epsilon(curve):G4}, the fleet's budget is {_options.Privacy.Epsilon:G4} at δ = {_options.Privacy.Delta:G2}");
    }

    /// <summary>
    /// Distributed mode, when a group's sum is released: charges every member whose masked input is in it one round of the
    /// subsampled Gaussian at the fleet's z and the check-in rate it declared (one step) — what an update of its own declaring
    /// those parameters would be charged — and persists the curves (in the open batch, if any, so with the model step). The
    /// group is released once (the coordinator's state is in memory only and is not restored), so it is charged once.
    /// </summary>
    public void ChargeGroupMembers(IReadOnlyList<SecAggSurvivor> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var charges = new List<(string Device, double[] Curve)>(members.Count);
        foreach (var member in members)
        {
            if (_ledger.Charge(_store.PrivacyCurve(member.DeviceId), GroupRound(member.SamplingRate)) is { } curve)
            {
                charges.Add((member.DeviceId, curve));
            }
        }

        _store.ChargePrivacy(charges);
    }

    private DpParameters GroupRound(double samplingRate) => new()
    {
        Mechanism = DpMechanism.UserLevelGaussian,
        NoiseMultiplier = _options.Privacy.NoiseMultiplier,
        ClipNorm = _options.Privacy.ClipNorm,
        SamplingRate = samplingRate > 0.0 ? samplingRate : 1.0,
        Steps = 1,
    };

    private StoredModel Step(DateTimeOffset now)
    {
        var consumed = _buffer.Select(b => Convert.FromHexString(b.UpdateId)).ToArray();
        var stored = Step(now, _buffer, consumed);
        _buffer.Clear();
        _metrics.BufferFill.Set(0);
        return stored;
    }

    private StoredModel Step(DateTimeOffset now, IReadOnlyList<ClientUpdate> updates, byte[][] consumed)
    {
        var watch = Stopwatch.StartNew();
        var result = _strategy.Aggregate(_global, updates, Context(now));
        SetPlan(_strategy.AfterStep(_plan, _global, result.Global, PlanContext(now)));
        _global = result.Global;

        var stored = SignAndStore(_global, CurrentVersion + 1, consumed);
        _metrics.AggregationSeconds.Observe(watch.Elapsed.TotalSeconds);
        LogStep(stored.Version, result.Report.Contributions.Count, _strategy.Name);
        Configure(now);

        return stored;
    }

    private StoredModel SignAndStore(ParameterSet global, long version, IReadOnlyCollection<byte[]> consumed)
    {
        var now = _time.GetUtcNow();
        var dense = new DenseFloat32Codec();
        byte[] parameters = new byte[dense.MaxEncodedSize(Architecture.Layout)];
        int written = dense.Encode(global.Buffer, Architecture.Layout, parameters);
        var model = new GlobalModel
        {
            ProtocolMajor = ProtocolVersion.Major,
            Version = (ulong)version,
            Fleet = _options.Fleet,
            Architecture = Architecture.ToString(),
            ArchitectureHash = ByteString.CopyFrom(Convert.FromHexString(Architecture.Hash())),
            ParametersEncoding = PayloadEncoding.DenseFloat32,
            Parameters = ByteString.CopyFrom(parameters, 0, written),
            CreatedAtUnixMs = now.ToUnixTimeMilliseconds(),
        };
        if (_plan.Subset is not null)
        {
            model.Subsets.Add(SubsetIndexCoding.ToAssignment("all", _plan.Subset));
            foreach (string memoryClass in DenseClasses())
            {
                model.Subsets.Add(SubsetIndexCoding.AllParameters(memoryClass));
            }
        }

        byte[] signed = _signer.Sign(model).ToByteArray();
        var stored = new StoredModel(version, now, FloatsToBytes(global.Buffer), signed);
        _store.CommitModel(stored, consumed);

        // an update from before this window is refused as too stale, so its id need not be remembered to refuse it again
        _store.PruneSeen(version - 1 - _options.MaxStaleness, _options.MaxSeenUpdateIds);
        PersistPlan();
        CurrentVersion = version;
        _modelMessage = signed;
        _metrics.ModelVersion.Set(version);
        return stored;
    }

    /// <summary>configure_fit: lets the strategy plan (open a round, assign a subset) and persists what changed.</summary>
    private void Configure(DateTimeOffset now)
    {
        var before = _plan;
        SetPlan(_strategy.Configure(_plan, PlanContext(now)));
        if (!ReferenceEquals(before, _plan))
        {
            PersistPlan();
        }
    }

    private void SetPlan(RoundState plan)
    {
        if (plan.Round is { } round && !ReferenceEquals(round, _plan.Round))
        {
            LogRoundOpened(round.Number, round.Cohort.Count);
        }

        if (plan.UnmetMemoryBudget is long budget && plan.UnmetMemoryBudget != _plan.UnmetMemoryBudget)
        {
            LogNoSubsetFits(budget);
        }

        if (_plan.Subset is { } replaced && !Equals(replaced, plan.Subset))
        {
            _earlierSubsets.RemoveAll(e => Equals(e.Subset, replaced));
            _earlierSubsets.Add((CurrentVersion, replaced));
        }

        _earlierSubsets.RemoveAll(e => e.Version < CurrentVersion - _options.MaxStaleness || Equals(e.Subset, plan.Subset));
        _subsetsByHash = null;
        _plan = plan;
    }

    private RoundContext PlanContext(DateTimeOffset now) => new(
        Architecture.Layout,
        CurrentVersion,
        now,
        [.. _devices.Select(d => new DeviceSlot(d.Key, d.Value.Budget, d.Value.Available))],
        _cohortRandom,
        _options.Seed);

    /// <summary>
    /// FTTE with <see cref="AggregationEngineOptions.FtteDenseWhereItFits"/>: the reported memory classes whose every device's
    /// budget holds the whole model's training (<see cref="TrainingMemoryModel.Default"/>); they train dense, the others the
    /// subset (a class the model does not name looks up "all"). At most 15, so the model stays within 16 assignments.
    /// </summary>
    private IEnumerable<string> DenseClasses()
    {
        if (!_options.FtteDenseWhereItFits)
        {
            return [];
        }

        var layout = Architecture.Layout;
        return _devices.Values
            .Where(d => _memoryClasses.Contains(d.MemoryClass))
            .GroupBy(d => d.MemoryClass, StringComparer.Ordinal)
            .Where(g => TrainingMemoryModel.Default.HoldsWholeModel(layout, g.Min(d => d.Budget)))
            .Select(g => g.Key)
            .Order(StringComparer.Ordinal)
            .Take(15);
    }

    private AggregationContext Context(DateTimeOffset now) =>
        new(Architecture.Layout, CurrentVersion, now, _plan.Subset, _plan.Round) { EarlierSubsets = [.. _earlierSubsets.Select(e => e.Subset)] };

    /// <summary>The subsets an update may cover, by content hash: the current assignment and those of the staleness window.</summary>
    private Dictionary<string, ParameterSubset> SubsetsByHash()
    {
        if (_subsetsByHash is null)
        {
            _subsetsByHash = new Dictionary<string, ParameterSubset>(StringComparer.Ordinal);
            foreach (var subset in _earlierSubsets.Select(e => e.Subset).Append(_plan.Subset).OfType<ParameterSubset>())
            {
                _subsetsByHash[Convert.ToHexStringLower(subset.ContentHash)] = subset;
            }
        }

        return _subsetsByHash;
    }

    /// <summary>A subset this aggregator assigned now or within the staleness window, by its content hash.</summary>
    private bool TryGetSubset(ReadOnlySpan<byte> contentHash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ParameterSubset? subset) =>
        SubsetsByHash().TryGetValue(Convert.ToHexStringLower(contentHash), out subset);

    /// <summary>The subset a (validated or persisted) sparse update names; null for a dense one.</summary>
    private ParameterSubset? SubsetOf(ModelUpdate update) =>
        update.SubsetId.IsEmpty
            ? null
            : TryGetSubset(update.SubsetId.Span, out var subset)
                ? subset
                : throw new InvalidDataException($"Update {Convert.ToHexString(update.UpdateId.Span)} covers a subset this aggregator no longer knows.");

    private ClientUpdate ToClientUpdate(ModelUpdate update, float[] fullDelta)
    {
        ParameterSubset? subset = SubsetOf(update);
        float[] delta = fullDelta;
        if (subset is not null)
        {
            delta = new float[subset.Count];
            subset.Gather(fullDelta, delta);
        }

        return new ClientUpdate(
            Convert.ToHexString(update.UpdateId.Span),
            update.DeviceId,
            (long)update.BaseModelVersion,
            delta,
            (int)Math.Min(update.SampleCount, int.MaxValue),
            subset);
    }

    private ClientUpdate Restore(BufferedUpdate stored)
    {
        // The message was validated before it was persisted; decode it again without the time-dependent checks.
        var update = _parser.ParseModelUpdate(stored.Message).Message
            ?? throw new InvalidDataException($"Buffered update {Convert.ToHexString(stored.UpdateId)} no longer parses.");
        float[] delta = new float[Architecture.Layout.TotalLength];
        _validator.Decode(update, Architecture.Layout, SubsetOf(update), delta).ThrowIfFailed();
        return ToClientUpdate(update, delta);
    }

    /// <summary>
    /// Counts and logs a message whose topic is not a v1 topic this aggregator reads (<see cref="RejectionReason.UnexpectedTopic"/>).
    /// The broker acknowledged it to the sender, so it must not vanish without a trace.
    /// </summary>
    /// <param name="topic">The topic as received (logged as an escaped, length-bounded string).</param>
    /// <param name="problem">Why the topic was not accepted (from <see cref="TopicScheme.TryParse"/>).</param>
    public void RejectTopic(string topic, string problem)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(problem);
        _metrics.Rejected.WithLabels(nameof(RejectionReason.UnexpectedTopic)).Inc();
        if (!MayLogRejection())
        {
            return;
        }

        string shown = topic.Length <= TopicScheme.MaxTopicLength ? topic : topic[..TopicScheme.MaxTopicLength] + "…";
        LogUnexpectedTopic(System.Text.Json.JsonEncodedText.Encode(shown).ToString(), problem);
    }

    private IntakeResult Rejected(IntakeVerdict verdict)
    {
        _metrics.Rejected.WithLabels(verdict.Reason!.Value.ToString()).Inc();
        if (MayLogRejection())
        {
            LogRejected(verdict.Update?.DeviceId ?? "?", verdict.Reason.Value, verdict.Message);
        }

        return new IntakeResult(verdict, null);
    }

    /// <summary>
    /// At most <see cref="AggregationEngineOptions.RejectionLogLinesPerMinute"/> rejection lines per minute: a flooding device
    /// must not fill the journal. The first rejection of the next minute first reports how many lines were left out.
    /// </summary>
    private bool MayLogRejection()
    {
        var now = _time.GetUtcNow();
        if (now - _logWindow >= TimeSpan.FromMinutes(1))
        {
            if (_logSuppressed > 0)
            {
                LogRejectionsSuppressed(_logSuppressed);
            }

            _logWindow = now;
            _logLines = 0;
            _logSuppressed = 0;
        }

        if (_logLines < _options.RejectionLogLinesPerMinute)
        {
            _logLines++;
            return true;
        }

        _logSuppressed++;
        return false;
    }

    /// <summary>The strategy's plan, under the keys earlier versions used, so a restarted aggregator resumes its round and subset.</summary>
    private void PersistPlan()
    {
        var plan = _plan;
        _store.SetMeta(SubsetKey, plan.Subset is null ? string.Empty : JsonSerializer.Serialize(plan.Subset.Indices.ToArray()));
        _store.SetMeta(EarlierSubsetsKey, JsonSerializer.Serialize(_earlierSubsets.Select(e => new PersistedSubset(e.Version, e.Subset.Indices.ToArray())).ToArray()));
        if (plan.Importance is not null)
        {
            _store.SetMeta(ImportanceKey, Convert.ToBase64String(FloatsToBytes(plan.Importance)));
        }

        _store.SetMeta(RoundKey, plan.Round is not { } round ? string.Empty : JsonSerializer.Serialize(new PersistedRound(round.Number, round.ModelVersion, [.. round.Cohort], round.OpenedAt, round.Deadline)));
    }

    private void RestorePlan()
    {
        ParameterSubset? subset = null;
        float[]? importance = null;
        TrainingRound? round = null;
        if (_store.GetMeta(SubsetKey) is { Length: > 0 } subsetJson)
        {
            subset = ParameterSubset.For(Architecture.Layout, JsonSerializer.Deserialize<int[]>(subsetJson));
        }

        if (_store.GetMeta(ImportanceKey) is { Length: > 0 } saved)
        {
            byte[] bytes = Convert.FromBase64String(saved);
            if (bytes.Length == Architecture.Layout.TotalLength * sizeof(float))
            {
                importance = BytesToFloats(bytes, Architecture.Layout.TotalLength);
            }
        }

        if (_store.GetMeta(RoundKey) is { Length: > 0 } roundJson && JsonSerializer.Deserialize<PersistedRound>(roundJson) is { } persisted)
        {
            round = new TrainingRound(persisted.Number, persisted.ModelVersion, persisted.Cohort, persisted.OpenedAt, persisted.Deadline);
        }

        _earlierSubsets.Clear();
        if (_store.GetMeta(EarlierSubsetsKey) is { Length: > 0 } earlierJson && JsonSerializer.Deserialize<PersistedSubset[]>(earlierJson) is { } earlier)
        {
            _earlierSubsets.AddRange(earlier.Select(e => (e.Version, ParameterSubset.For(Architecture.Layout, e.Indices))));
        }

        _subsetsByHash = null;
        _plan = new RoundState(round, round?.Number ?? 0, subset, importance);
    }

    private static byte[] FloatsToBytes(ReadOnlySpan<float> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();

    private static float[] BytesToFloats(byte[] bytes, int count)
    {
        if (bytes.Length != count * sizeof(float))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Stored parameters have {bytes.Length} bytes, the layout needs {count * sizeof(float)}."));
        }

        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Created initial global model version {Version} ({Architecture})")]
    private partial void LogInitialModel(long version, ModelArchitecture architecture);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Resumed at model version {Version} with {Buffered} buffered updates")]
    private partial void LogResumed(long version, int buffered);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Aggregated model version {Version} from {Updates} updates ({Strategy})")]
    private partial void LogStep(long version, int updates, string strategy);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Rejected update from {Device}: {Reason}: {Detail}")]
    private partial void LogRejected(string device, RejectionReason reason, string detail);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Rejected a message on unexpected topic \"{Topic}\": {Problem}")]
    private partial void LogUnexpectedTopic(string topic, string problem);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "Left out {Count} rejection lines in the last minute (fededge_updates_rejected_total counts every rejection)")]
    private partial void LogRejectionsSuppressed(long count);

    [LoggerMessage(EventId = 123, Level = LogLevel.Warning, Message = "Did not apply secure-aggregation group {Group} (base version {BaseVersion}): {Reason}: {Detail}")]
    private partial void LogGroupRefused(string group, long baseVersion, RejectionReason reason, string detail);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Opened FedAvg round {Round} with {Cohort} devices")]
    private partial void LogRoundOpened(long round, int cohort);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Abandoned FedAvg round {Round} with {Updates} updates (below the minimum at the deadline)")]
    private partial void LogRoundAbandoned(long round, int updates);

    [LoggerMessage(EventId = 140, Level = LogLevel.Error, Message = "No FTTE subset fits a training-memory budget of {Budget} bytes")]
    private partial void LogNoSubsetFits(long budget);

    private sealed record PersistedSubset(long Version, int[] Indices);

    private sealed record PersistedRound(long Number, long ModelVersion, string[] Cohort, DateTimeOffset OpenedAt, DateTimeOffset Deadline);
}
