using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Codecs;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Simulation.Clock;
using FedEdge.Simulation.Transport;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Aggregation;

/// <summary>
/// The broker side of a simulation: the product's <see cref="AggregatorNode"/> (dispatch, validation, SQLite state,
/// strategy, signing, the publication rule) behind the product's MQTT client, driven step by step. Unlike the hosted
/// <c>AggregatorService</c>, which hands the node whatever has arrived, the simulator tells it how many messages to
/// expect, so every run handles the same messages in the same order. It decides nothing: it counts what the node did.
/// </summary>
public sealed partial class FleetAggregator : IAsyncDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly AggregatorNode _node;
    private readonly ECDsa _key;
    private readonly ReconnectingMqttClient _client;
    private readonly Dictionary<string, long> _bytesByDevice = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _acceptedByDevice = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly List<long> _staleness = [];
    private readonly InboxRecorder _inboxes;

    private FleetAggregator(AggregatorNode node, ECDsa key, ReconnectingMqttClient client, InboxRecorder inboxes)
    {
        _node = node;
        _key = key;
        _client = client;
        _inboxes = inboxes;
        _node.Decided += decision =>
        {
            switch (decision.Kind)
            {
                case AggregatorDecisionKind.UpdateRejected:
                    Count(decision.Detail);
                    break;
                case AggregatorDecisionKind.UpdateDuplicate:
                    Count("Duplicate");
                    break;
                case AggregatorDecisionKind.SecAggGroupReleased:
                    Released(decision);
                    break;
                case AggregatorDecisionKind.SecAggGroupAbandoned:
                    SecAgg.GroupsAbandoned++;
                    SecAgg.GroupsAbandonedForming += decision.Detail.Contains("joined in time", StringComparison.Ordinal) ? 1 : 0;
                    break;
                case AggregatorDecisionKind.SecAggRefused:
                    SecAgg.Refused++;
                    break;
            }
        };
    }

    /// <summary><c>--dp distributed</c>: what the node's secure-aggregation groups did, as its decisions and inbox publications tell.</summary>
    public SecAggTally SecAgg { get; } = new();

    /// <summary>
    /// The inbox messages the node published since the last call that the broker delivered to a subscriber (a device's open
    /// <see cref="Devices.SecAggSession"/>), in publication order, by device.
    /// </summary>
    public IReadOnlyList<string> TakeInboxDeliveries() => _inboxes.Take();

    /// <summary>The node.</summary>
    public AggregatorNode Node => _node;

    /// <summary>The engine.</summary>
    public AggregationEngine Engine => _node.Engine;

    /// <summary>The key devices pin to verify models.</summary>
    public PinnedModelKey PublicKey { get; private set; } = null!;

    /// <summary>The pace message last published (devices wait for exactly these bytes; a new publication is a new buffer).</summary>
    public ReadOnlyMemory<byte> PacePayload => _node.PacePayload;

    /// <summary>Update bytes received so far.</summary>
    public long UploadBytes { get; private set; }

    /// <summary>Updates accepted so far.</summary>
    public long Accepted { get; private set; }

    /// <summary>Received update bytes per device.</summary>
    public IReadOnlyDictionary<string, long> BytesByDevice => _bytesByDevice;

    /// <summary>Accepted updates per device.</summary>
    public IReadOnlyDictionary<string, long> AcceptedByDevice => _acceptedByDevice;

    /// <summary>Rejections by reason.</summary>
    public IReadOnlyDictionary<string, long> Rejected => _rejected;

    /// <summary>Staleness (versions behind) of every accepted update.</summary>
    public IReadOnlyList<long> Staleness => _staleness;

    /// <summary>Largest trainable subset the server assigned so far (0 = none, all coordinates).</summary>
    public int LargestSubset { get; private set; }

    /// <summary>
    /// The most training memory any subset assigned so far needs under <see cref="TrainingMemoryModel.Default"/>, with the
    /// gradient copies of the tensors it touches (0 = none assigned).
    /// </summary>
    public long LargestSubsetBytes { get; private set; }

    private ParameterSubset? _notedSubset;

    /// <summary>Creates the node with fresh state under <paramref name="directory"/>, connects and publishes model version 1.</summary>
    public static async Task<FleetAggregator> StartAsync(
        AggregationEngineOptions options, string directory, BrokerEndpoint broker, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(loggers);
        Directory.CreateDirectory(directory);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new ModelSigner(key);
        var client = new ReconnectingMqttClient(
            broker.Options("aggregator", "aggregator-" + options.Fleet), TimeProvider.System, new Random(options.Seed), loggers.CreateLogger<ReconnectingMqttClient>());
        var inboxes = new InboxRecorder(client);

        // distributed mode: group ids and public round seeds from the run's seed, so that a seed replays the same models
        var secAggRandom = options.Privacy.Mode == FleetDpMode.Distributed
            ? new DeterministicRandomNumberGenerator(string.Create(CultureInfo.InvariantCulture, $"{options.Seed}/aggregator/secagg"))
            : null;
        var node = AggregatorNode.Open(options, Path.Combine(directory, "aggregator.db"), signer, inboxes, clock, loggers, new AggregatorMetrics(), secAggRandom: secAggRandom);
        var aggregator = new FleetAggregator(node, key, client, inboxes) { PublicKey = signer.PublicKey };
        aggregator.NoteSubset();
        foreach (string filter in node.Subscriptions)
        {
            await client.SubscribeAsync(filter, cancellationToken).ConfigureAwait(false);
        }
        client.Start();
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(ConnectTimeout);
        try
        {
            await client.WaitUntilConnectedAsync(connect.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await aggregator.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"The aggregator could not connect to the broker {broker} within {ConnectTimeout.TotalSeconds} s.");
        }

        // nothing received yet: this only publishes the first model and pace
        await node.ProcessAsync([], cancellationToken).ConfigureAwait(false);
        return aggregator;
    }

    /// <summary>
    /// Reads exactly <paramref name="expected"/> messages (device statuses and updates the devices published and the
    /// broker acknowledged) and hands them to the node in arrival order. Returns how many server steps were taken.
    /// </summary>
    /// <exception cref="TimeoutException">The broker did not deliver them in time.</exception>
    public async Task<int> ProcessAsync(int expected, CancellationToken cancellationToken)
    {
        var received = new List<InboundMessage>(expected);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReceiveTimeout);
        try
        {
            while (received.Count < expected)
            {
                var message = await _client.Inbound.ReadAsync(timeout.Token).ConfigureAwait(false);
                received.Add(new InboundMessage(message.Topic, message.Payload, message.AcknowledgeAsync));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker delivered {received.Count} of {expected} messages to the aggregator within {ReceiveTimeout.TotalSeconds} s.");
        }

        long before = _node.Engine.CurrentVersion;
        foreach (var outcome in await _node.ProcessAsync(received, cancellationToken).ConfigureAwait(false))
        {
            Tally(outcome);
        }

        return (int)(_node.Engine.CurrentVersion - before);
    }

    /// <summary>Time-driven work (FedAvg rounds): returns whether a step was taken.</summary>
    public Task<bool> TickAsync(CancellationToken cancellationToken) => _node.TickAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        _node.Dispose();
        _key.Dispose();
    }

    private void Tally(MessageOutcome outcome)
    {
        if (outcome.Kind == TopicKind.SecAgg)
        {
            // the masked inputs and the key and share traffic are what a device uploads in distributed mode
            UploadBytes += outcome.PayloadBytes;
            SecAgg.UploadBytes += outcome.PayloadBytes;
            _bytesByDevice[outcome.Device!] = _bytesByDevice.GetValueOrDefault(outcome.Device!) + outcome.PayloadBytes;
            return;
        }

        if (outcome.Kind != TopicKind.Updates || outcome.Intake is not { } intake)
        {
            return;
        }

        string device = outcome.Device!;
        UploadBytes += outcome.PayloadBytes;
        _bytesByDevice[device] = _bytesByDevice.GetValueOrDefault(device) + outcome.PayloadBytes;
        if (intake.Verdict.Kind == IntakeOutcome.Accepted)
        {
            Accepted++;
            _acceptedByDevice[device] = _acceptedByDevice.GetValueOrDefault(device) + 1;
            _staleness.Add(outcome.VersionBefore - (long)intake.Verdict.Update!.BaseModelVersion);
        }

        NoteSubset();
    }

    private void NoteSubset()
    {
        // once per subset the server assigns, not per message
        if (_node.Engine.Subset is { } subset && !ReferenceEquals(subset, _notedSubset))
        {
            _notedSubset = subset;
            LargestSubset = Math.Max(LargestSubset, subset.Count);
            LargestSubsetBytes = Math.Max(LargestSubsetBytes, TrainingMemoryModel.Default.RequiredBytes(_node.Engine.Architecture.Layout, subset));
        }
    }

    private void Count(string reason) => _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;

    /// <summary>A released group: its survivors are the accepted updates of one step (the node's detail says "survivors s/n").</summary>
    private void Released(AggregatorDecision decision)
    {
        var match = SurvivorsPattern().Match(decision.Detail);
        if (!match.Success)
        {
            throw new InvalidOperationException($"A released group's detail does not name its survivors: '{decision.Detail}'.");
        }

        int survivors = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        if (decision.Detail.Contains("not applied", StringComparison.Ordinal))
        {
            SecAgg.GroupsNotApplied++;
            return;
        }

        SecAgg.Survivors.Add(survivors);
        Accepted += survivors;
        long staleness = _node.Engine.CurrentVersion - 1 - decision.ModelVersion;
        for (int i = 0; i < survivors; i++)
        {
            _staleness.Add(staleness);
        }
    }

    [GeneratedRegex(@"survivors (\d+)/(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex SurvivorsPattern();

    /// <summary>Passes every publication to the broker and notes the inbox messages some subscriber received.</summary>
    private sealed class InboxRecorder(IAcknowledgedPublisher inner) : IAcknowledgedPublisher
    {
        private readonly List<string> _delivered = [];

        public async Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            var acknowledgement = await inner.PublishAsync(topic, payload, retain, cancellationToken).ConfigureAwait(false);
            if (!acknowledgement.NoMatchingSubscribers && TopicScheme.TryParse(topic, out var address, out _) && address.Kind == TopicKind.SecAggInbox)
            {
                // bounded: the node publishes at most its bounded secagg queue per call, and the driver takes them after each call
                _delivered.Add(address.Device!);
            }

            return acknowledgement;
        }

        public string[] Take()
        {
            string[] taken = [.. _delivered];
            _delivered.Clear();
            return taken;
        }
    }
}
