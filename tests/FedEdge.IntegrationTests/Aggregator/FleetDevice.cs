using System.Collections.Concurrent;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.IntegrationTests.Aggregator;

/// <summary>
/// A test double of a device: its own certificate, a reader that verifies every model it receives
/// with the pinned key, and methods that publish real status messages and real encoded updates.
/// </summary>
public sealed class FleetDevice : IAsyncDisposable
{
    private readonly ReconnectingMqttClient _client;
    private readonly ModelVerifier _verifier;
    private readonly ConcurrentQueue<GlobalModel> _models = new();
    private readonly ConcurrentQueue<Pace> _paces = new();
    private readonly ConcurrentQueue<string> _rejections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    private FleetDevice(string id, ReconnectingMqttClient client, ModelVerifier verifier)
    {
        Id = id;
        _client = client;
        _verifier = verifier;
        _reader = Task.Run(() => ReadAsync(_stop.Token));
    }

    public string Id { get; }

    public IReadOnlyCollection<string> Rejections => _rejections;

    public static async Task<FleetDevice> ConnectAsync(MosquittoBroker broker, string id, int seed, PinnedModelKey key)
    {
        var client = await TestClients.ConnectAsync(broker, id, seed, TopicScheme.Model(TestClients.Fleet), TopicScheme.Pace(TestClients.Fleet));
        return new FleetDevice(id, client, new ModelVerifier([key], TestClients.Fleet));
    }

    /// <summary>The newest verified model with at least <paramref name="version"/>, waiting up to <paramref name="seconds"/>.</summary>
    public async Task<GlobalModel> ModelAsync(ulong version, int seconds = 30)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            var newest = _models.Where(m => m.Version >= version).OrderByDescending(m => m.Version).FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }

            Assert.False(deadline.IsCancellationRequested, $"{Id}: no model ≥ v{version} within {seconds} s; rejected: {string.Join("; ", _rejections)}");
            await Task.Delay(25);
        }
    }

    /// <summary>A pace message satisfying <paramref name="condition"/>.</summary>
    public async Task<Pace> PaceAsync(Func<Pace, bool> condition, int seconds = 30)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            var pace = _paces.LastOrDefault(condition);
            if (pace is not null)
            {
                return pace;
            }

            Assert.False(deadline.IsCancellationRequested, $"{Id}: no matching pace within {seconds} s");
            await Task.Delay(25);
        }
    }

    public static byte[] Status(string id) => new DeviceStatus
    {
        ProtocolMajor = ProtocolVersion.Major,
        DeviceId = id,
        Fleet = TestClients.Fleet,
        State = DeviceState.Idle,
        MemoryBudgetBytes = 1 << 20,
        ComputeScore = 1,
        PowerSource = PowerSource.Mains,
        ModelVersion = 1,
        TimestampUnixMs = 1_764_000_000_000,
        MemoryClass = "pi4",
    }.ToByteArray();

    public Task PublishStatusAsync(CancellationToken ct) =>
        _client.PublishAsync(TopicScheme.Status(TestClients.Fleet, Id), Status(Id), retain: true, ct);

    /// <summary>A deterministic update for this device against <paramref name="model"/>: dense, or on the model's FTTE subset.</summary>
    public static byte[] Update(string id, int index, GlobalModel model, string fleet = TestClients.Fleet)
    {
        var layout = ModelArchitecture.Parse(model.Architecture).Layout;
        var random = new Random(1000 + index);
        float[] delta = Enumerable.Range(0, layout.TotalLength).Select(_ => (float)((random.NextDouble() - 0.5) * 0.1)).ToArray();
        IUpdateCodec codec = new DenseFloat32Codec();
        ByteString subsetId = ByteString.Empty;
        if (model.Subsets.Count > 0)
        {
            Assert.True(SubsetIndexCoding.TryToSubset(model.Subsets[0], layout.TotalLength, out var subset, out string? error), error);
            codec = new SparseSubsetCodec(subset!);
            subsetId = ByteString.CopyFrom(subset!.ContentHash);
        }

        byte[] payload = new byte[codec.MaxEncodedSize(layout)];
        int written = codec.Encode(delta, layout, payload);
        byte[] updateId = new byte[16];
        BitConverter.TryWriteBytes(updateId, index);
        updateId[15] = 0xA5;
        return new ModelUpdate
        {
            ProtocolMajor = ProtocolVersion.Major,
            UpdateId = ByteString.CopyFrom(updateId),
            DeviceId = id,
            Fleet = fleet,
            BaseModelVersion = model.Version,
            SubsetId = subsetId,
            Encoding = WireEncodings.ToWire(codec.Encoding),
            Payload = ByteString.CopyFrom(payload, 0, written),
            Dp = UserLevelDp(),
            PrivacySpent = new EpsilonDelta { Epsilon = 1, Delta = 1e-5 },
            SampleCount = (ulong)(10 + index),
            CreatedAtUnixMs = 1_764_000_000_000,
        }.ToByteArray();
    }

    public Task PublishAsync(byte[] update, CancellationToken ct) =>
        _client.PublishAsync(TopicScheme.Updates(TestClients.Fleet, Id), update, retain: false, ct);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reader;
        }
        catch (OperationCanceledException)
        {
            // end of test
        }

        await _client.DisposeAsync();
        _verifier.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var parser = new WireParser();
        await foreach (var message in _client.Inbound.ReadAllAsync(cancellationToken))
        {
            if (message.Topic.EndsWith("/model", StringComparison.Ordinal))
            {
                var parsed = parser.ParseGlobalModel(message.Payload.Span);
                if (parsed.TryGet(out var model, out string reason))
                {
                    var verdict = _verifier.TryAccept(model);
                    if (verdict.Succeeded)
                    {
                        _models.Enqueue(model);
                    }
                    else if (verdict.Rejection != ModelRejection.Rollback)
                    {
                        _rejections.Enqueue(verdict.ToString());
                    }
                }
                else
                {
                    _rejections.Enqueue(reason);
                }
            }
            else if (parser.ParsePace(message.Payload.Span).TryGet(out var pace, out _))
            {
                _paces.Enqueue(pace);
            }

            await message.AcknowledgeAsync(cancellationToken);
        }
    }

    /// <summary>What a fleet device with the default Agent:Privacy declares: user-level Gaussian, z = 3, S = 1, one release.</summary>
    public static DpParameters UserLevelDp(double noiseMultiplier = 3.0) => new()
    {
        Mechanism = DpMechanism.UserLevelGaussian,
        NoiseMultiplier = noiseMultiplier,
        ClipNorm = 1.0,
        SamplingRate = 1.0,
        Steps = 1,
    };
}
