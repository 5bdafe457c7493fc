using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Aggregation.Validation;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Simulation.Transport;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Aggregation;

/// <summary>
/// The broker side of a simulation: the product's <see cref="AggregationEngine"/> (validation,
/// SQLite state, strategy, signing) behind the product's MQTT client, driven step by step. Unlike
/// the hosted <c>AggregatorService</c>, which reacts whenever messages arrive, the simulator tells it
/// how many messages to expect, so every run handles the same messages in the same order.
/// </summary>
public sealed class FleetAggregator : IAsyncDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly AggregationEngine _engine;
    private readonly AggregatorStateStore _store;
    private readonly ECDsa _key;
    private readonly ReconnectingMqttClient _client;
    private readonly string _fleet;
    private readonly Dictionary<string, long> _bytesByDevice = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _acceptedByDevice = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly List<long> _staleness = [];
    private long _pacedVersion = -1;
    private uint _pacedWanted = uint.MaxValue;
    private ulong _pacedRound = ulong.MaxValue;

    private FleetAggregator(AggregationEngine engine, AggregatorStateStore store, ECDsa key, ReconnectingMqttClient client, string fleet)
    {
        _engine = engine;
        _store = store;
        _key = key;
        _client = client;
        _fleet = fleet;
    }

    /// <summary>The engine.</summary>
    public AggregationEngine Engine => _engine;

    /// <summary>The key devices pin to verify models.</summary>
    public PinnedModelKey PublicKey { get; private set; } = null!;

    /// <summary>The pace message last published (devices wait for exactly these bytes).</summary>
    public byte[] PacePayload { get; private set; } = [];

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

    /// <summary>Creates the engine with fresh state under <paramref name="directory"/>, connects and publishes model version 1.</summary>
    public static async Task<FleetAggregator> StartAsync(
        AggregationEngineOptions options, string directory, BrokerEndpoint broker, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(loggers);
        Directory.CreateDirectory(directory);
        var store = AggregatorStateStore.Open(Path.Combine(directory, "aggregator.db"));
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new ModelSigner(key);
        var engine = new AggregationEngine(options, store, signer, clock, loggers.CreateLogger<AggregationEngine>(), new AggregatorMetrics());
        engine.Initialize();
        var client = new ReconnectingMqttClient(
            broker.Options("aggregator", "aggregator-" + options.Fleet), TimeProvider.System, new Random(options.Seed), loggers.CreateLogger<ReconnectingMqttClient>());
        var aggregator = new FleetAggregator(engine, store, key, client, options.Fleet) { PublicKey = signer.PublicKey };
        aggregator.LargestSubset = engine.Subset?.Count ?? 0;
        await client.SubscribeAsync(TopicScheme.AllUpdatesFilter(options.Fleet), cancellationToken).ConfigureAwait(false);
        await client.SubscribeAsync(TopicScheme.AllStatusFilter(options.Fleet), cancellationToken).ConfigureAwait(false);
        await client.SubscribeAsync(TopicScheme.AllAvailabilityFilter(options.Fleet), cancellationToken).ConfigureAwait(false);
        client.Start();
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(ConnectTimeout);
        try
        {
            await client.WaitUntilConnectedAsync(connect.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            store.Dispose();
            key.Dispose();
            throw new TimeoutException($"The aggregator could not connect to the broker {broker} within {ConnectTimeout.TotalSeconds} s.");
        }
        await aggregator.PublishAsync(modelChanged: true, cancellationToken).ConfigureAwait(false);
        return aggregator;
    }

    /// <summary>
    /// Reads exactly <paramref name="expected"/> messages (device statuses and updates the devices
    /// published and the broker acknowledged), hands them to the engine in arrival order within one
    /// group commit, acknowledges them, and publishes the new model and pace. Returns how many
    /// server steps were taken.
    /// </summary>
    /// <exception cref="TimeoutException">The broker did not deliver them in time.</exception>
    public async Task<int> ProcessAsync(int expected, CancellationToken cancellationToken)
    {
        var received = new List<ReceivedMessage>(expected);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReceiveTimeout);
        try
        {
            while (received.Count < expected)
            {
                received.Add(await _client.Inbound.ReadAsync(timeout.Token).ConfigureAwait(false));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker delivered {received.Count} of {expected} messages to the aggregator within {ReceiveTimeout.TotalSeconds} s.");
        }

        int steps = 0;
        using (var batch = _store.BeginBatch())
        {
            foreach (var message in received)
            {
                steps += Handle(message);
            }

            batch.Commit();
        }

        foreach (var message in received)
        {
            await message.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
        }

        await PublishAsync(steps > 0, cancellationToken).ConfigureAwait(false);
        return steps;
    }

    /// <summary>Time-driven work (FedAvg rounds): returns whether a step was taken.</summary>
    public async Task<bool> TickAsync(CancellationToken cancellationToken)
    {
        bool stepped = _engine.Tick() is not null;
        await PublishAsync(stepped, cancellationToken).ConfigureAwait(false);
        return stepped;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
        _key.Dispose();
    }

    private int Handle(ReceivedMessage message)
    {
        if (!TopicScheme.TryParse(message.Topic, out var address, out string? problem))
        {
            _engine.RejectTopic(message.Topic, problem);
            Count(nameof(RejectionReason.UnexpectedTopic));
            return 0;
        }

        if (address.Kind == TopicKind.Status)
        {
            _engine.ObserveStatus(message.Topic, message.Payload.Span);
            return 0;
        }

        if (address.Kind == TopicKind.Availability)
        {
            _engine.ObserveAvailability(message.Topic, message.Payload.Span);
            return 0;
        }

        if (address.Kind != TopicKind.Updates)
        {
            return 0;
        }

        long before = _engine.CurrentVersion;
        UploadBytes += message.Payload.Length;
        _bytesByDevice[address.Device!] = _bytesByDevice.GetValueOrDefault(address.Device!) + message.Payload.Length;
        var result = _engine.Receive(message.Topic, message.Payload.Span);
        if (result.Verdict.Kind == IntakeOutcome.Accepted)
        {
            Accepted++;
            _acceptedByDevice[address.Device!] = _acceptedByDevice.GetValueOrDefault(address.Device!) + 1;
            _staleness.Add(before - (long)result.Verdict.Update!.BaseModelVersion);
        }
        else
        {
            Count(result.Verdict.Kind == IntakeOutcome.Duplicate ? "Duplicate" : result.Verdict.Reason?.ToString() ?? "Rejected");
        }

        LargestSubset = Math.Max(LargestSubset, _engine.Subset?.Count ?? 0);
        return _engine.CurrentVersion > before ? (int)(_engine.CurrentVersion - before) : 0;
    }

    private void Count(string reason) => _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;

    private async Task PublishAsync(bool modelChanged, CancellationToken cancellationToken)
    {
        if (modelChanged)
        {
            await _client.PublishAsync(TopicScheme.Model(_fleet), _engine.CurrentModelMessage, retain: true, cancellationToken).ConfigureAwait(false);
        }

        var pace = _engine.CurrentPace();
        if (pace.ModelVersion != (ulong)_pacedVersion || pace.UpdatesWanted != _pacedWanted || pace.Round != _pacedRound || PacePayload.Length == 0)
        {
            PacePayload = pace.ToByteArray();
            _pacedVersion = (long)pace.ModelVersion;
            _pacedWanted = pace.UpdatesWanted;
            _pacedRound = pace.Round;
            await _client.PublishAsync(TopicScheme.Pace(_fleet), PacePayload, retain: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
