using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.IntegrationTests.Aggregator;

/// <summary>
/// The real fededge-aggregator process, the real mosquitto with mutual TLS and the production ACL,
/// and 20 device doubles that publish real encoded updates and verify every signed model they get.
/// The expected model is computed by the same engine in-process from the same messages: the
/// service must produce exactly it (bit for bit), with nothing lost or counted twice.
/// </summary>
public sealed class AggregatorEndToEndTests : IAsyncLifetime
{
    private const int Devices = 20;
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    private static AggregationEngineOptions Options(StrategyKind strategy) => new()
    {
        Fleet = TestClients.Fleet,
        Architecture = "mlp-6-8-3",
        Strategy = strategy,
        BufferSize = Devices,
        ClientsPerRound = Devices,
        MinClients = Devices,
        Seed = 11,
        DefaultMemoryBudgetBytes = 2048,
        Validation = new() { MaxUpdateNorm = 100 },
    };

    [Theory]
    [InlineData(StrategyKind.FedAvg)]
    [InlineData(StrategyKind.FedBuff)]
    [InlineData(StrategyKind.Ftte)]
    public async Task Twenty_devices_drive_each_strategy_to_a_new_signed_global_model(StrategyKind strategy)
    {
        var ct = TestContext.Current.CancellationToken;
        var options = Options(strategy);
        string keyPath = Path.Combine(_broker.Directory, "signing.key");
        using var key = AggregatorProcess.WriteSigningKey(keyPath);
        await using var aggregator = AggregatorProcess.Start(_broker, options, Path.Combine(_broker.Directory, "state.db"), keyPath);
        var devices = await ConnectDevicesAsync(PinnedModelKey.FromKey(key));
        try
        {
            var v1 = await devices[0].ModelAsync(1);
            Assert.Equal(1ul, v1.Version);
            var updates = devices.Select((d, i) => FleetDevice.Update(d.Id, i, v1)).ToArray();

            if (strategy == StrategyKind.FedAvg)
            {
                foreach (var device in devices)
                {
                    await device.PublishStatusAsync(ct);
                }

                var pace = await devices[0].PaceAsync(p => p.Round > 0);
                Assert.Equal(Devices, pace.Cohort.Count);
            }

            for (int i = 0; i < Devices; i++)
            {
                await devices[i].PublishAsync(updates[i], ct);
            }

            foreach (var device in devices)
            {
                var v2 = await device.ModelAsync(2);
                Assert.Equal(2ul, v2.Version);
                Assert.Empty(device.Rejections);
            }

            // a device that connects only now gets the retained v2 and verifies its signature
            await using (var late = await FleetDevice.ConnectAsync(_broker, "device-late", 99, PinnedModelKey.FromKey(key)))
            {
                Assert.Equal(2ul, (await late.ModelAsync(2)).Version);
                Assert.Empty(late.Rejections);
            }

            float[] published = Decode(await devices[0].ModelAsync(2));
            float[] expected = ExpectedAfterOneStep(options, key, devices.Select(d => d.Id).ToArray(), updates, withStatuses: strategy == StrategyKind.FedAvg);
            Assert.Equal(expected, published);
            Assert.Equal(Devices, await aggregator.MetricAsync("fededge_updates_accepted_total", ct));
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_aggregator_killed_mid_buffer_resumes_with_the_same_buffer_and_counts_no_update_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = Options(StrategyKind.FedBuff);
        string keyPath = Path.Combine(_broker.Directory, "signing.key");
        string statePath = Path.Combine(_broker.Directory, "state.db");
        using var key = AggregatorProcess.WriteSigningKey(keyPath);
        var devices = await ConnectDevicesAsync(PinnedModelKey.FromKey(key));
        try
        {
            byte[][] updates;
            await using (var first = AggregatorProcess.Start(_broker, options, statePath, keyPath))
            {
                var v1 = await devices[0].ModelAsync(1);
                updates = devices.Select((d, i) => FleetDevice.Update(d.Id, i, v1)).ToArray();
                for (int i = 0; i < 12; i++)
                {
                    await devices[i].PublishAsync(updates[i], ct);
                }

                await WaitForMetricAsync(first, "fededge_updates_accepted_total", 12, ct);

                // SIGKILL while more updates are in flight: some may be persisted but not yet acknowledged
                var inFlight = Enumerable.Range(12, 3).Select(i => devices[i].PublishAsync(updates[i], ct)).ToArray();
                await first.KillAsync();
                await Task.WhenAll(inFlight);
            }

            await using var second = AggregatorProcess.Start(_broker, options, statePath, keyPath);
            for (int i = 15; i < Devices; i++)
            {
                await devices[i].PublishAsync(updates[i], ct);
            }

            var v2 = await devices[0].ModelAsync(2);
            float[] expected = ExpectedAfterOneStep(options, key, devices.Select(d => d.Id).ToArray(), updates, withStatuses: false);
            Assert.Equal(expected, Decode(v2));
            Assert.Equal(0, await second.MetricAsync("fededge_buffer_updates", ct));
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_invalid_setting_stops_the_aggregator_at_start_naming_the_key()
    {
        var options = Options(StrategyKind.FedBuff);
        options.BufferSize = 0;
        string keyPath = Path.Combine(_broker.Directory, "signing.key");
        using var key = AggregatorProcess.WriteSigningKey(keyPath);
        await using var aggregator = AggregatorProcess.Start(_broker, options, Path.Combine(_broker.Directory, "state.db"), keyPath);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!aggregator.HasExited)
        {
            await Task.Delay(50, deadline.Token);
        }

        Assert.NotEqual(0, aggregator.ExitCode);
        Assert.Contains("BufferSize", aggregator.Output, StringComparison.Ordinal);
    }

    private async Task<FleetDevice[]> ConnectDevicesAsync(PinnedModelKey key)
    {
        var devices = new FleetDevice[Devices];
        for (int i = 0; i < Devices; i++)
        {
            devices[i] = await FleetDevice.ConnectAsync(_broker, $"device-{i:D2}", 100 + i, key);
        }

        return devices;
    }

    private static async Task WaitForMetricAsync(AggregatorProcess aggregator, string name, double value, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (await aggregator.MetricAsync(name, ct) != value)
        {
            Assert.False(deadline.IsCancellationRequested, $"{name} never reached {value}:\n{aggregator.Output}");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>The same engine, in-process over a fresh store, fed the same messages.</summary>
    private static float[] ExpectedAfterOneStep(AggregationEngineOptions options, ECDsa key, string[] devices, byte[][] updates, bool withStatuses)
    {
        string directory = Directory.CreateTempSubdirectory("fededge-expected-").FullName;
        try
        {
            using var store = AggregatorStateStore.Open(Path.Combine(directory, "state.db"));
            var engine = new AggregationEngine(options, store, new ModelSigner(key), new FakeTimeProvider(TimeProvider.System.GetUtcNow()), NullLogger.Instance, new AggregatorMetrics());
            engine.Initialize();
            if (withStatuses)
            {
                foreach (string device in devices)
                {
                    engine.ObserveStatus(TopicScheme.Status(TestClients.Fleet, device), FleetDevice.Status(device));
                }

                engine.Tick();
            }

            for (int i = 0; i < devices.Length; i++)
            {
                engine.Receive(TopicScheme.Updates(TestClients.Fleet, devices[i]), updates[i]);
            }

            Assert.Equal(2, engine.CurrentVersion);
            return engine.Global.Buffer;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static float[] Decode(GlobalModel model)
    {
        var layout = ModelArchitecture.Parse(model.Architecture).Layout;
        float[] values = new float[layout.TotalLength];
        new DenseFloat32Codec().Decode(model.Parameters.Span, layout, values);
        return values;
    }
}
