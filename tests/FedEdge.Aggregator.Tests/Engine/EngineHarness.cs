using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Aggregator.Tests.Engine;

/// <summary>An engine over a real SQLite store in a temp directory, a fake clock and a fresh P-256 key.</summary>
internal sealed class EngineHarness : IDisposable
{
    private readonly TempDirectory _dir;
    private readonly bool _ownsDir;

    public EngineHarness(AggregationEngineOptions options, TempDirectory? dir = null, ECDsa? key = null, FakeTimeProvider? time = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        _ownsDir = dir is null;
        _dir = dir ?? new TempDirectory();
        Options = options;
        Key = key ?? ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        Store = AggregatorStateStore.Open(_dir.File("state.db"));
        Metrics = new AggregatorMetrics();
        Engine = new AggregationEngine(options, Store, new ModelSigner(Key), Time, logger ?? NullLogger.Instance, Metrics);
        Engine.Initialize();
    }

    public AggregationEngineOptions Options { get; }

    public ECDsa Key { get; }

    public FakeTimeProvider Time { get; }

    public AggregatorStateStore Store { get; }

    public AggregatorMetrics Metrics { get; }

    public AggregationEngine Engine { get; }

    public TempDirectory Directory => _dir;

    public static AggregationEngineOptions Options4x2(StrategyKind strategy, int k = 3) => new()
    {
        Fleet = UpdateFactory.Fleet,
        Architecture = "logreg-3-2",
        Strategy = strategy,
        BufferSize = k,
        MaxStaleness = 5,
        ClientsPerRound = 3,
        MinClients = 2,
        RoundDuration = TimeSpan.FromMinutes(5),
        Seed = 7,
        Validation = new() { MaxUpdateNorm = 100 },
    };

    /// <summary>A restarted engine on the same directory, key and clock (what a new process would build).</summary>
    public EngineHarness Restart()
    {
        Store.Dispose();
        return new EngineHarness(Options, _dir, Key, Time);
    }

    public byte[] Status(string device, string memoryClass = "pi4", ulong budget = 1 << 20, DeviceState state = DeviceState.Idle) => new DeviceStatus
    {
        ProtocolMajor = ProtocolVersion.Major,
        DeviceId = device,
        Fleet = UpdateFactory.Fleet,
        State = state,
        MemoryBudgetBytes = budget,
        ComputeScore = 1,
        PowerSource = PowerSource.Mains,
        ModelVersion = (ulong)Engine.CurrentVersion,
        TimestampUnixMs = Time.GetUtcNow().ToUnixTimeMilliseconds(),
        MemoryClass = memoryClass,
    }.ToByteArray();

    public bool ObserveStatus(string device, string memoryClass = "pi4", ulong budget = 1 << 20, DeviceState state = DeviceState.Idle) =>
        Engine.ObserveStatus(TopicScheme.Status(UpdateFactory.Fleet, device), Status(device, memoryClass, budget, state));

    public bool ObserveAvailability(string device, string payload, string fleet = UpdateFactory.Fleet) =>
        Engine.ObserveAvailability(TopicScheme.Availability(fleet, device), System.Text.Encoding.UTF8.GetBytes(payload));

    public void Dispose()
    {
        Store.Dispose();
        if (_ownsDir)
        {
            _dir.Dispose();
        }
    }
}
