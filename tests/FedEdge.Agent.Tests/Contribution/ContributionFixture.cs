using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using System.Security.Cryptography;
using FedEdge.Device.Contribution;
using FedEdge.Device.Privacy;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Core.Codecs;
using FedEdge.Core.Data;
using FedEdge.Core.Privacy;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Simulated;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Contribution;

/// <summary>
/// A device (ledger, outbox, runner) and the real aggregation engine (SQLite store, fresh P-256 key)
/// in one temp directory, on a fake clock.
/// </summary>
internal sealed class ContributionFixture : IDisposable
{
    public const string Fleet = "home";
    public const string Device = "dev-1";

    private readonly TempDirectory _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly AggregatorStateStore _store;
    private readonly GaussianNoise _noise = new();
    private readonly RandomNumberGenerator _ids = RandomNumberGenerator.Create();

    public ContributionFixture(
        StrategyKind strategy = StrategyKind.FedBuff,
        double epsilonBudget = 10,
        UpdateEncoding codec = UpdateEncoding.Float16,
        ContributionPrivacy privacy = ContributionPrivacy.UserLevel,
        double checkInRate = 1.0)
    {
        _store = AggregatorStateStore.Open(_dir.File("aggregator.db"));
        Engine = new AggregationEngine(
            new AggregationEngineOptions
            {
                Fleet = Fleet,
                Architecture = "mlp-14-8-5",
                Strategy = strategy,
                BufferSize = 3,
                Seed = 11,
                Validation = new() { MaxUpdateNorm = 100 },

                // the aggregator knows the fleet's DP as the device below is configured
                Privacy = new()
                {
                    Mode = privacy switch
                    {
                        ContributionPrivacy.UserLevel => FleetDpMode.UserLevel,
                        ContributionPrivacy.SampleLevel => FleetDpMode.SampleLevel,
                        _ => FleetDpMode.None,
                    },
                    ClipNorm = 1.0,
                    NoiseMultiplier = 1.0,
                    Epsilon = epsilonBudget,
                },
            },
            _store,
            new ModelSigner(_key),
            Time,
            NullLogger.Instance,
            new AggregatorMetrics());
        Engine.Initialize();
        Ledger = PrivacyLedger.Open(_dir.File("privacy.ledger"), new PrivacyBudget(epsilonBudget, 1e-5), new RdpAccountant(), Time);
        Outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = _dir.File("outbox.db") }, Time, NullLogger<SqliteOutbox>.Instance);
        CheckIn = new RandomCheckIn(Ledger, checkInRate, 1.0, TimeSpan.FromMinutes(30), _ids, Time);
        Runner = new ContributionRunner(
            new AgentOptions
            {
                DeviceId = Device,
                Fleet = Fleet,
                MemoryClass = "pi4",
                StateDirectory = _dir.Path,
                Privacy = new() { Mode = privacy, ClipNorm = 1.0, NoiseMultiplier = 1.0, CheckInRate = checkInRate },
                Training = new() { Epochs = 2, BatchSize = 16, LearningRate = 0.05f, MinSamples = 10 },
                Codec = codec,
            },
            Ledger,
            Outbox,
            _noise,
            _ids,
            new Random(5),
            Time,
            checkIn: CheckIn);
    }

    public string ArtifactsDirectory => _dir.File("artifacts");

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    public AggregationEngine Engine { get; }

    public PrivacyLedger Ledger { get; }

    public SqliteOutbox Outbox { get; }

    public ContributionRunner Runner { get; }

    /// <summary>The device's random check-in (q = the fixture's rate; not used by the runner at q = 1).</summary>
    public RandomCheckIn CheckIn { get; }

    /// <summary>The engine's current signed model as a device receives it.</summary>
    public GlobalModel CurrentModel()
    {
        Assert.True(new WireParser().ParseGlobalModel(Engine.CurrentModelMessage.Span).TryGet(out var model, out string reason), reason);
        return model;
    }

    /// <summary>200 standardised windows of one simulated home.</summary>
    public static Dataset Samples(int count = 200) =>
        SmartHomeSchema.Standardize(new SmartHomeActivityGenerator(3).GenerateHome(0, count));

    public async Task<IReadOnlyList<OutboxEntry>> WaitingAsync() =>
        await Outbox.PeekOldestAsync(100, TestContext.Current.CancellationToken);

    public void Dispose()
    {
        Runner.Dispose();
        Outbox.Dispose();
        Ledger.Dispose();
        _store.Dispose();
        _noise.Dispose();
        _ids.Dispose();
        _key.Dispose();
        _dir.Dispose();
    }
}
