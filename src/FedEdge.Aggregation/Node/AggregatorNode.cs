using FedEdge.Core.Aggregation;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.SecureAggregation;
using FedEdge.Aggregation.State;
using FedEdge.Aggregation.Validation;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace FedEdge.Aggregation.Node;

/// <summary>
/// The aggregator's clock-driven core, once for both drivers (the hosted <c>AggregatorService</c> and the simulator's
/// <c>FleetAggregator</c>): drain → dispatch by topic → validate → group commit → acknowledge → step → sign →
/// publish-if-changed. The drivers only move messages between their transport and this object and decide when to call
/// it; every decision — which topic means what, what is refused, when a model or a pace goes out — is taken here.
/// Not thread-safe: one driver loop.
/// </summary>
public sealed partial class AggregatorNode : IDisposable
{
    /// <summary>Most messages a driver should hand over in one call (one group commit).</summary>
    public const int MaxBatch = 64;

    private readonly AggregationEngine _engine;
    private readonly AggregatorStateStore _store;
    private readonly IAcknowledgedPublisher _publisher;
    private readonly Func<bool> _connected;
    private readonly string _fleet;
    private readonly ILogger _logger;
    private readonly SecAggGroupCoordinator? _secAgg;
    private readonly RandomNumberGenerator? _secAggRandom;
    private readonly Queue<SecAggOutbound> _secAggOutbox = new();
    private readonly int _secAggOutboxLimit;
    private bool _modelPending = true;
    private (long Version, uint Wanted, ulong Round)? _paced;

    private AggregatorNode(
        AggregationEngine engine, AggregatorStateStore store, IAcknowledgedPublisher publisher, Func<bool> connected, string fleet, ILogger logger, SecAggCoordinatorOptions? secAgg, TimeProvider time, RandomNumberGenerator? secAggRandom)
    {
        _engine = engine;
        _store = store;
        _publisher = publisher;
        _connected = connected;
        _fleet = fleet;
        _logger = logger;
        if (secAgg is not null)
        {
            _secAggRandom = secAggRandom ?? RandomNumberGenerator.Create();
            // the aggregator's own per-device ledger admits a device to a group only if it can afford the group's release
            _secAgg = new SecAggGroupCoordinator(secAgg, _secAggRandom, time, (device, join) => engine.RefuseGroupMember(device, join.SamplingRate, join.SubsetId.Memory));

            // at most a roster, a relay, an unmask request and an "abandoned" per member of every open group
            _secAggOutboxLimit = 4 * secAgg.MaxOpenGroups * secAgg.GroupSize;
        }
        else
        {
            secAggRandom?.Dispose();
        }
    }

    /// <summary>
    /// The topic filters the driver must subscribe to: updates, statuses, availability, and in distributed mode every
    /// device's secagg topic (<see cref="TopicScheme.AllSecAggFilter"/>).
    /// </summary>
    public IReadOnlyList<string> Subscriptions =>
        _secAgg is null
            ? [TopicScheme.AllUpdatesFilter(_fleet), TopicScheme.AllStatusFilter(_fleet), TopicScheme.AllAvailabilityFilter(_fleet)]
            : [TopicScheme.AllUpdatesFilter(_fleet), TopicScheme.AllStatusFilter(_fleet), TopicScheme.AllAvailabilityFilter(_fleet), TopicScheme.AllSecAggFilter(_fleet)];

    /// <summary>The secure-aggregation parameters (distributed mode), or null.</summary>
    public SecAggCoordinatorOptions? SecAggOptions { get; private init; }

    /// <summary>Secure-aggregation groups open now (0 outside distributed mode).</summary>
    public int OpenSecAggGroups => _secAgg?.OpenGroups ?? 0;

    /// <summary>Secure-aggregation messages waiting to be published (a disconnected driver keeps them, up to a bound).</summary>
    public int PendingSecAggMessages => _secAggOutbox.Count;

    /// <summary>Every decision as it is taken (installs of a model version, refusals, pace announcements), for traces and reports.</summary>
    public event Action<AggregatorDecision>? Decided;

    /// <summary>The engine (strategy, state, signing).</summary>
    public AggregationEngine Engine => _engine;

    /// <summary>The pace message last published, byte for byte (empty before the first).</summary>
    public ReadOnlyMemory<byte> PacePayload { get; private set; }

    /// <summary>
    /// Opens (or creates) the state at <paramref name="statePath"/>, restores or creates the global model and returns the
    /// node; its first publication sends the current model and pace (retained, so re-sending after a restart is harmless).
    /// </summary>
    /// <param name="options">What to aggregate and how.</param>
    /// <param name="statePath">The SQLite state file.</param>
    /// <param name="signer">Signs every global model.</param>
    /// <param name="publisher">Where models and paces go (QoS 1, retained).</param>
    /// <param name="time">The clock (virtual in the simulator).</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="metrics">The aggregator's metrics.</param>
    /// <param name="connected">Whether publishing can succeed now; null = always. A disconnected driver keeps receiving and ticking, and the next call publishes.</param>
    /// <param name="secAggRandom">
    /// Distributed mode: the generator of group ids and public round seeds (the node owns and disposes it); null = the OS
    /// generator. The simulator passes a seeded one so that a seed replays the same models.
    /// </param>
    public static AggregatorNode Open(
        AggregationEngineOptions options,
        string statePath,
        ModelSigner signer,
        IAcknowledgedPublisher publisher,
        TimeProvider time,
        ILoggerFactory loggers,
        AggregatorMetrics metrics,
        Func<bool>? connected = null,
        RandomNumberGenerator? secAggRandom = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(loggers);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(statePath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        SecAggCoordinatorOptions? secAgg = null;
        if (options.Privacy.Mode == FleetDpMode.Distributed)
        {
            int dimension = FedEdge.Core.Models.ModelArchitecture.Parse(options.Architecture).Layout.TotalLength;
            secAgg = SecAggCoordinatorOptions.ForFleet(options.Privacy, options.Fleet, options.BufferSize, dimension);
            secAgg.Validate();
        }

        var store = AggregatorStateStore.Open(statePath);
        try
        {
            var engine = new AggregationEngine(options, store, signer, time, loggers.CreateLogger<AggregationEngine>(), metrics);
            engine.Initialize();
            return new AggregatorNode(engine, store, publisher, connected ?? (() => true), options.Fleet, loggers.CreateLogger<AggregatorNode>(), secAgg, time, secAggRandom)
            {
                SecAggOptions = secAgg,
            };
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Handles drained messages in arrival order within one group commit, then acknowledges every one of them (only now
    /// may the broker forget them), then publishes what changed. Returns what each message did.
    /// </summary>
    /// <exception cref="TransportUnavailableException">Publishing failed after the acknowledgements; the next call publishes again.</exception>
    public async Task<IReadOnlyList<MessageOutcome>> ProcessAsync(IReadOnlyList<InboundMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var outcomes = Receive(messages);
        foreach (var message in messages)
        {
            await message.Acknowledge(cancellationToken).ConfigureAwait(false);
        }

        await PublishIfChangedAsync(cancellationToken).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>Time-driven work (FedAvg deadlines and new rounds), then publishes what changed. Returns whether a step was taken.</summary>
    public async Task<bool> TickAsync(CancellationToken cancellationToken)
    {
        bool stepped = false;
        if (_secAgg is not null)
        {
            // deadlines of the open groups: a phase ends, a group is unmasked or abandoned; a release charges its members
            // and steps the model in one commit
            var expired = _secAgg.Tick();
            if (expired.Outcomes.Count == 0)
            {
                Route(expired);
            }
            else
            {
                using var batch = _store.BeginBatch();
                stepped |= Route(expired);
                batch.Commit();
            }
        }

        stepped |= _engine.Tick() is not null;
        _modelPending |= stepped;
        await PublishIfChangedAsync(cancellationToken).ConfigureAwait(false);
        return stepped;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _secAgg?.Dispose();
        _secAggRandom?.Dispose();
        _store.Dispose();
    }

    private List<MessageOutcome> Receive(IReadOnlyList<InboundMessage> messages)
    {
        var outcomes = new List<MessageOutcome>(messages.Count);
        using (var batch = _store.BeginBatch())
        {
            foreach (var message in messages)
            {
                outcomes.Add(Dispatch(message));
            }

            // one fsync for the batch; if it throws, memory is ahead of disk and the process must restart (the broker redelivers)
            batch.Commit();
        }

        return outcomes;
    }

    private MessageOutcome Dispatch(InboundMessage message)
    {
        long before = _engine.CurrentVersion;
        if (!TopicScheme.TryParse(message.Topic, out var address, out string? problem))
        {
            _engine.RejectTopic(message.Topic, problem);
            Decide(AggregatorDecisionKind.UpdateRejected, null, before, nameof(RejectionReason.UnexpectedTopic));
            return new MessageOutcome(message.Topic, null, null, message.Payload.Length, before, null);
        }

        IntakeResult? intake = null;
        switch (address.Kind)
        {
            case TopicKind.Updates:
                intake = _engine.Receive(message.Topic, message.Payload.Span);
                _modelPending |= intake.NewModel is not null;
                var verdict = intake.Verdict;
                long baseVersion = (long)(verdict.Update?.BaseModelVersion ?? 0);
                switch (verdict.Kind)
                {
                    case IntakeOutcome.Accepted:
                        Decide(AggregatorDecisionKind.UpdateAccepted, address.Device, baseVersion, string.Empty);
                        break;
                    case IntakeOutcome.Duplicate:
                        Decide(AggregatorDecisionKind.UpdateDuplicate, address.Device, baseVersion, string.Empty);
                        break;
                    default:
                        Decide(AggregatorDecisionKind.UpdateRejected, address.Device, baseVersion, verdict.Reason?.ToString() ?? string.Empty);
                        break;
                }

                break;
            case TopicKind.Status:
                _engine.ObserveStatus(message.Topic, message.Payload.Span);
                break;
            case TopicKind.Availability:
                _engine.ObserveAvailability(message.Topic, message.Payload.Span);
                break;
            case TopicKind.SecAgg when _secAgg is not null && address.Fleet == _fleet:
                // the sender is the topic's device (only it may write there, deploy/mosquitto/acl), never the body's
                var step = _secAgg.Receive(address.Device!, message.Payload.Span);
                if (step.Rejection is { } refusal)
                {
                    LogSecAggRefused(address.Device!, refusal);
                    Decide(AggregatorDecisionKind.SecAggRefused, address.Device, before, refusal);
                }

                // a refused input's step can still carry expired groups' messages and outcomes
                Route(step);
                break;
            default:
                // a v1 topic the aggregator does not subscribe to (model, pace, predictions, ...): nothing to decide
                break;
        }

        return new MessageOutcome(message.Topic, address.Kind, address.Device, message.Payload.Length, before, intake);
    }

    /// <summary>
    /// Queues a coordinator step's messages for the inboxes and applies its finished groups: a released mean becomes one
    /// step of the strategy, an abandoned group changes nothing. Returns whether a model step was taken.
    /// </summary>
    private bool Route(SecAggCoordinatorStep step)
    {
        foreach (var outbound in step.Outbound)
        {
            if (_secAggOutbox.Count >= _secAggOutboxLimit)
            {
                // a bound, not a policy: a message that never arrives is a dropout, which the protocol tolerates
                var dropped = _secAggOutbox.Dequeue();
                LogSecAggDropped(dropped.DeviceId, _secAggOutboxLimit);
            }

            _secAggOutbox.Enqueue(outbound);
        }

        bool stepped = false;
        foreach (var outcome in step.Outcomes)
        {
            if (outcome.Mean is { } mean)
            {
                // released: every member whose input is in the sum is charged, whether or not the mean is applied
                _engine.ChargeGroupMembers(outcome.SurvivingMembers);
                // a group that formed across versions: its mean gets its survivors' mean staleness weight
                long baseVersion = outcome.SurvivingMembers.Count == 0
                    ? (long)outcome.ModelVersion
                    : _engine.EquivalentBaseVersion([.. outcome.SurvivingMembers.Select(m => (long)m.ModelVersion)]);
                var model = _engine.ApplyGroupMean(outcome.GroupId, baseVersion, outcome.Survivors, mean,
                    outcome.SurvivingMembers.Count == outcome.Survivors ? [.. outcome.SurvivingMembers.Select(m => m.SubsetId)] : null);
                stepped |= model is not null;
                Decide(AggregatorDecisionKind.SecAggGroupReleased, null, (long)outcome.ModelVersion, string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"group {outcome.GroupId:X16} survivors {outcome.Survivors}/{outcome.Members}{SubsetMembers(outcome)}{(model is null ? " not applied" : string.Empty)}"));
            }
            else
            {
                LogSecAggAbandoned(outcome.GroupId, outcome.Members, outcome.Survivors, outcome.AbandonReason ?? string.Empty);
                Decide(AggregatorDecisionKind.SecAggGroupAbandoned, null, (long)outcome.ModelVersion, string.Create(
                    System.Globalization.CultureInfo.InvariantCulture, $"group {outcome.GroupId:X16}: {outcome.AbandonReason}"));
            }
        }

        if (stepped && _secAgg is not null)
        {
            // a group still forming from a version now too stale to apply ends now (its step only abandons or starts groups)
            Route(_secAgg.Supersede(_engine.OldestUsableVersion));
        }

        _modelPending |= stepped;
        return stepped;
    }

    /// <summary>", of which k trained an FTTE subset" for the trace; empty when every survivor trained all parameters.</summary>
    private static string SubsetMembers(SecAggGroupOutcome outcome)
    {
        int k = outcome.SurvivingMembers.Count(m => !m.SubsetId.IsEmpty);
        return k == 0 ? string.Empty : string.Create(System.Globalization.CultureInfo.InvariantCulture, $", {k} on an FTTE subset");
    }

    /// <summary>
    /// The one publication rule: the model after every step (and once at start), the pace whenever anything a device acts on
    /// changed — the model version, the updates wanted, or the FedAvg round (a round re-opened at the same size on the same
    /// model differs only in its number and cohort, and a device that does not hear of it waits for a round that is gone).
    /// A buffered strategy always wants K, so its pace changes once per version and a device that has seen it can take a
    /// quiet check-in; the windows' other inputs (device counts, the declared q) are picked up at the next version.
    /// </summary>
    private async Task PublishIfChangedAsync(CancellationToken cancellationToken)
    {
        if (!_connected())
        {
            return;
        }

        if (_modelPending)
        {
            await _publisher.PublishAsync(TopicScheme.Model(_fleet), _engine.CurrentModelMessage, retain: true, cancellationToken).ConfigureAwait(false);
            _modelPending = false;
            LogPublished(_engine.CurrentVersion);
            Decide(AggregatorDecisionKind.ModelPublished, null, _engine.CurrentVersion, string.Empty);
        }

        var pace = _engine.CurrentPace();
        var key = ((long)pace.ModelVersion, pace.UpdatesWanted, pace.Round);
        if (_paced != key)
        {
            byte[] payload = pace.ToByteArray();
            await _publisher.PublishAsync(TopicScheme.Pace(_fleet), payload, retain: true, cancellationToken).ConfigureAwait(false);
            _paced = key;
            PacePayload = payload;
            Decide(AggregatorDecisionKind.PacePublished, null, key.Item1, $"round {pace.Round} wanted {pace.UpdatesWanted} cohort [{string.Join(',', pace.Cohort)}]");
        }

        // after the model, so a roster never names a version devices have not heard of; QoS 1, not retained. A message
        // leaves the queue only once the broker acknowledged it: a failure here is published again by the next call.
        while (_secAggOutbox.TryPeek(out var outbound))
        {
            await _publisher.PublishAsync(outbound.Topic, outbound.Message.ToByteArray(), retain: false, cancellationToken).ConfigureAwait(false);
            _secAggOutbox.Dequeue();
        }
    }

    private void Decide(AggregatorDecisionKind kind, string? device, long version, string detail) =>
        Decided?.Invoke(new AggregatorDecision(kind, device, version, detail));

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Published global model version {Version}")]
    private partial void LogPublished(long version);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Refused a secure-aggregation message from {Device}: {Reason}")]
    private partial void LogSecAggRefused(string device, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Secure-aggregation group {Group} of {Members} abandoned with {Survivors} masked inputs, nothing released: {Reason}")]
    private partial void LogSecAggAbandoned(long group, int members, int survivors, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Dropped the oldest queued secure-aggregation message (for {Device}): {Limit} are waiting to be published")]
    private partial void LogSecAggDropped(string device, int limit);
}
