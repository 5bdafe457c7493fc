using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregation.Validation;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Simulation.Transport;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Aggregation;

/// <summary>
/// The broker side of a simulation: the product's <see cref="AggregatorNode"/> (dispatch, validation, SQLite state,
/// strategy, signing, the publication rule) behind the product's MQTT client, driven step by step. Unlike the hosted
/// <c>AggregatorService</c>, which hands the node whatever has arrived, the simulator tells it how many messages to
/// expect, so every run handles the same messages in the same order. It decides nothing: it counts what the node did.
/// </summary>
public sealed class FleetAggregator : IAsyncDisposable
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

    private FleetAggregator(AggregatorNode node, ECDsa key, ReconnectingMqttClient client)
    {
        _node = node;
        _key = key;
        _client = client;
        _node.Decided += decision =>
        {
            if (decision.Kind == AggregatorDecisionKind.UpdateRejected)
            {
                Count(decision.Detail);
            }
            else if (decision.Kind == AggregatorDecisionKind.UpdateDuplicate)
            {
                Count("Duplicate");
            }
        };
    }

    /// <summary>The node.</summary>
    public AggregatorNode Node => _node;

    /// <summary>The engine.</summary>
    public AggregationEngine Engine => _node.Engine;

    /// <summary>The key devices pin to verify models.</summary>
    public PinnedModelKey PublicKey { get; private set; } = null!;

    /// <summary>The pace message last published (devices wait for exactly these bytes).</summary>
    public byte[] PacePayload => _node.PacePayload.ToArray();

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
        var node = AggregatorNode.Open(options, Path.Combine(directory, "aggregator.db"), signer, client, clock, loggers, new AggregatorMetrics());
        var aggregator = new FleetAggregator(node, key, client) { PublicKey = signer.PublicKey };
        aggregator.LargestSubset = node.Engine.Subset?.Count ?? 0;
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

        LargestSubset = Math.Max(LargestSubset, _node.Engine.Subset?.Count ?? 0);
    }

    private void Count(string reason) => _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
}
