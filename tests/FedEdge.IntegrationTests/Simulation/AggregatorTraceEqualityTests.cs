using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregator.Hosting;
using FedEdge.Hosting;
using FedEdge.IntegrationTests.Aggregator;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Simulation.Aggregation;
using FedEdge.Simulation.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.IntegrationTests.Simulation;

/// <summary>
/// For FedAvg and for FedBuff, one scripted scenario. FedAvg's — three devices enrol, a round is opened, only one device answers it, the round is
/// abandoned at its deadline and re-opened at the same size, the broker restarts, all three answer, the model steps, a
/// stale and a duplicate update arrive; FedBuff's: three answers and a step around a broker restart, a stale update
/// buffered, a duplicate. Each is run through the hosted <see cref="AggregatorService"/> over mosquitto (real time, real TLS) and
/// through the simulator's <see cref="FleetAggregator"/> over its embedded broker (virtual time). Both drive the one
/// <see cref="AggregatorNode"/>: the decision sequences and the final global model must be the same.
/// </summary>
public sealed class AggregatorTraceEqualityTests : IAsyncLifetime
{
    private static readonly string[] Devices = ["device-a", "device-b", "device-c"];
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(12); // round 2 must outlast a broker restart and three answers
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    private static AggregationEngineOptions Options(StrategyKind strategy) => new()
    {
        Fleet = TestClients.Fleet,
        Architecture = "mlp-6-8-3",
        Strategy = strategy,
        BufferSize = 3,
        ClientsPerRound = 3,
        MinClients = 3, // a round needs all three enrolled (the hosted run's statuses arrive over several ticks)
        RoundDuration = Deadline,
        Seed = 5,
        Validation = new() { MaxUpdateNorm = 100 },
    };

    /// <summary>The scripts: what each device sends, in order; "deadline" lets the round's deadline pass, "restart" restarts the broker.</summary>
    private static readonly (string Device, int Index, ulong BaseVersion)[] FedAvgScript =
    [
        ("device-a", 1, 1),  // round 1: only one answer
        ("deadline", 0, 0),  // round 1 abandoned, round 2 opened for the same three
        ("restart", 0, 0),   // the hosted run's mosquitto restarts (the simulator's broker does not: nothing may change)
        ("device-a", 2, 1),
        ("device-b", 3, 1),
        ("device-c", 4, 1),  // round 2 complete: step to v2, round 3 opened
        ("device-a", 5, 1),  // trained on v1 for round 3: refused
        ("device-b", 3, 1),  // the same update again: a duplicate
    ];

    private static readonly (string Device, int Index, ulong BaseVersion)[] FedBuffScript =
    [
        ("device-a", 1, 1),
        ("restart", 0, 0),
        ("device-b", 3, 1),
        ("device-c", 4, 1),  // K = 3: step to v2
        ("device-a", 5, 1),  // one version stale: buffered, discounted by s(1)
        ("device-b", 3, 1),  // the same update again: a duplicate
    ];

    private static (string Device, int Index, ulong BaseVersion)[] Script(StrategyKind strategy) => strategy == StrategyKind.FedAvg ? FedAvgScript : FedBuffScript;

    private static byte[] Update(string device, int index, ulong baseVersion) =>
        FleetDevice.Update(device, index, new GlobalModel { Version = baseVersion, Architecture = "mlp-6-8-3", Fleet = TestClients.Fleet });

    [Theory]
    [InlineData(StrategyKind.FedAvg)]
    [InlineData(StrategyKind.FedBuff)]
    public async Task The_hosted_service_and_the_simulator_take_the_same_decisions_and_reach_the_same_model(StrategyKind strategy)
    {
        var hosted = await RunHostedAsync(strategy);
        var simulated = await RunSimulatedAsync(strategy);

        Assert.Equal(simulated.Decisions, hosted.Decisions);
        Assert.Equal(simulated.ModelSha256, hosted.ModelSha256);
        Assert.Contains("UpdateDuplicate device-b v1", hosted.Decisions);
        Assert.Contains("ModelPublished - v2", hosted.Decisions);
        if (strategy == StrategyKind.FedAvg)
        {
            Assert.Contains("UpdateRejected device-a v1 TooStale", hosted.Decisions);
            Assert.Equal(2, hosted.Decisions.Count(d => d.StartsWith("PacePublished - v1 round", StringComparison.Ordinal) && d.Contains("wanted 3", StringComparison.Ordinal)));
        }
        else
        {
            Assert.Equal(4, hosted.Decisions.Count(d => d.StartsWith("UpdateAccepted", StringComparison.Ordinal)));
        }
    }

    private async Task<(string[] Decisions, string ModelSha256)> RunHostedAsync(StrategyKind strategy)
    {
        var ct = TestContext.Current.CancellationToken;
        string keyPath = Path.Combine(_broker.Directory, "trace-signing.key");
        using var key = AggregatorProcess.WriteSigningKey(keyPath);
        var options = new AggregatorServiceOptions
        {
            Engine = Options(strategy),
            Mqtt = TestClients.Options(_broker, "aggregator", _broker.Pki.Client("aggregator")),
            StatePath = Path.Combine(_broker.Directory, "trace-state.db"),
            SigningKeyPath = keyPath,
            MetricsPort = 0,
            TickInterval = TimeSpan.FromMilliseconds(300),
        };
        var decisions = new ConcurrentQueue<AggregatorDecision>();
        var service = new AggregatorService(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, new LoopHeartbeat(TimeProvider.System), new AggregatorMetrics(), NullLoggerFactory.Instance);
        await service.StartAsync(ct);
        service.Node!.Decided += decisions.Enqueue;
        var devices = new List<FleetDevice>();
        try
        {
            foreach (string id in Devices)
            {
                var device = await FleetDevice.ConnectAsync(_broker, id, devices.Count + 1, PinnedModelKey.FromKey(key));
                devices.Add(device);
                await device.PublishStatusAsync(ct);
            }

            // FedAvg: the next tick opens round 1 for the three enrolled devices; FedBuff: the first model and pace are out
            await UntilAsync(() => decisions.Any(d => d.Kind == AggregatorDecisionKind.PacePublished && (strategy != StrategyKind.FedAvg || d.Detail.StartsWith("round 1 ", StringComparison.Ordinal))), ct);
            foreach (var (device, index, baseVersion) in Script(strategy))
            {
                int before = decisions.Count;
                if (device == "restart")
                {
                    // every client reconnects; the aggregator re-subscribes ($share subscriptions are not restored by
                    // mosquitto) before any device may publish, or the broker would drop the update (PUBACK 0x10)
                    long connections = service.Connections;
                    await _broker.StopAsync();
                    await _broker.RestartAsync();
                    await UntilAsync(() => service.Connections > connections, ct, seconds: 30);
                    continue;
                }

                if (device == "deadline")
                {
                    await UntilAsync(() => decisions.Skip(before).Any(d => d.Kind == AggregatorDecisionKind.PacePublished && d.Detail.StartsWith("round 2 ", StringComparison.Ordinal)), ct, seconds: 40);
                    continue;
                }

                // one message at a time, and everything it caused (a pace, a step) before the next, as the simulator does
                await devices[Array.IndexOf(Devices, device)].PublishAsync(Update(device, index, baseVersion), ct);
                await UntilAsync(() => decisions.Skip(before).Any(d => d.Kind is AggregatorDecisionKind.UpdateAccepted or AggregatorDecisionKind.UpdateRejected or AggregatorDecisionKind.UpdateDuplicate), ct);
                await QuietAsync(decisions, ct);
            }

            await UntilAsync(() => strategy != StrategyKind.FedAvg || decisions.Any(d => d.Kind == AggregatorDecisionKind.PacePublished && d.Detail.StartsWith("round 3 ", StringComparison.Ordinal)), ct);
            await Task.Delay(300, ct); // nothing else may follow (round 3's deadline is seconds away)
            return (Describe(decisions), Sha256(service.Node.Engine));
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }

            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }
    }

    private static async Task<(string[] Decisions, string ModelSha256)> RunSimulatedAsync(StrategyKind strategy)
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 20, 0, 0, TimeSpan.Zero));
        await using var broker = await EmbeddedBroker.StartAsync();
        var decisions = new List<AggregatorDecision>();
        await using var aggregator = await FleetAggregator.StartAsync(Options(strategy), directory.Path, broker.Endpoint, clock, NullLoggerFactory.Instance, ct);
        aggregator.Node.Decided += decisions.Add;
        await using var devices = new SimulatedDevices(broker.Endpoint);
        foreach (string id in Devices)
        {
            await devices.PublishAsync(id, TopicScheme.Status(TestClients.Fleet, id), FleetDevice.Status(id), ct);
            await aggregator.ProcessAsync(1, ct);
        }

        clock.Advance(TimeSpan.FromMilliseconds(300));
        await aggregator.TickAsync(ct);
        foreach (var (device, index, baseVersion) in Script(strategy))
        {
            if (device == "restart")
            {
                continue;
            }

            if (device == "deadline")
            {
                clock.Advance(Deadline + TimeSpan.FromSeconds(1));
                await aggregator.TickAsync(ct);
                continue;
            }

            await devices.PublishAsync(device, TopicScheme.Updates(TestClients.Fleet, device), Update(device, index, baseVersion), ct);
            await aggregator.ProcessAsync(1, ct);
        }

        // the hosted run's initial model and pace came before its subscription here: the same two, published at start
        string[] start = ["ModelPublished - v1", $"PacePublished - v1 round 0 wanted {(strategy == StrategyKind.FedAvg ? 0 : 3)} cohort []"];
        return ([.. start, .. Describe(decisions)], Sha256(aggregator.Engine));
    }

    private static string[] Describe(IEnumerable<AggregatorDecision> decisions) => [.. decisions.Select(d => d.ToString())];

    private static string Sha256(AggregationEngine engine) =>
        Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(engine.Global.AsSpan())));

    /// <summary>Waits until no decision has been added for 300 ms (the node published what the last message caused).</summary>
    private static async Task QuietAsync(ConcurrentQueue<AggregatorDecision> decisions, CancellationToken ct)
    {
        int count;
        do
        {
            count = decisions.Count;
            await Task.Delay(300, ct);
        }
        while (decisions.Count != count);
    }

    private static async Task UntilAsync(Func<bool> condition, CancellationToken ct, int seconds = 15)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"not reached within {seconds} s");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>One plain client per device on the embedded broker (no TLS: the simulator's broker).</summary>
    private sealed class SimulatedDevices(BrokerEndpoint broker) : IAsyncDisposable
    {
        private readonly Dictionary<string, ReconnectingMqttClient> _clients = new(StringComparer.Ordinal);

        public async Task PublishAsync(string device, string topic, byte[] payload, CancellationToken ct)
        {
            if (!_clients.TryGetValue(device, out var client))
            {
                client = new ReconnectingMqttClient(broker.Options(device, device), TimeProvider.System, new Random(1), NullLogger<ReconnectingMqttClient>.Instance);
                client.Start();
                await client.WaitUntilConnectedAsync(ct);
                _clients[device] = client;
            }

            await client.PublishAsync(topic, payload, retain: topic.Contains("/status/", StringComparison.Ordinal), ct);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _clients.Values)
            {
                await client.DisposeAsync();
            }
        }
    }
}
