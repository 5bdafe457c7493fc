using FedEdge.Device.Configuration;
using FedEdge.Device.Eligibility;
using System.Diagnostics;
using System.Security.Cryptography;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Models;
using FedEdge.Device.Privacy;
using FedEdge.Core.Privacy;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Aggregation.Validation;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using FedEdge.IntegrationTests.Aggregator;

namespace FedEdge.IntegrationTests;

/// <summary>The hosted agent service against mosquitto and the aggregation engine.</summary>
public sealed class AgentServiceTests : IAsyncLifetime
{
    private const string Device = "device-svc";
    private readonly TempDirectory _dir = new();
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_agent_service_contributes_once_per_model_stops_within_five_seconds_and_does_not_retrain_after_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await FleetAsync(ct);
        var (key, engine, aggregator) = (fleet.Key, fleet.Engine, fleet.Aggregator);

        var options = AgentOptionsFor(key);
        var service = AgentTestHost.Create(options, TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(ct);
        try
        {
            var received = await TestClients.NextAsync(aggregator, seconds: 30);
            var intake = engine.Receive(received.Topic, received.Payload.Span);
            await received.AcknowledgeAsync(ct);
            Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
            Assert.Equal(Device, intake.Verdict.Update!.DeviceId);
        }
        finally
        {
            var watch = Stopwatch.StartNew();
            await service.StopAsync(CancellationToken.None);
            watch.Stop();
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {watch.Elapsed}");
            service.Dispose();
        }

        var models = new AcceptedModelStore(Path.Combine(options.StateDirectory, "model"));
        Assert.Equal((ulong)engine.CurrentVersion, models.LastAcceptedVersion);
        Assert.Equal((ulong)engine.CurrentVersion, models.LastContributedVersion);

        // A reboot: the retained model arrives again but is not newer, so it is neither re-installed
        // nor trained on again, and the ledger still holds exactly one release. Delivery is at least
        // once: when the stop came before the broker's PUBACK reached the agent, its outbox sends the
        // same update again, which the aggregator recognises as a duplicate; nothing new may arrive.
        var restarted = AgentTestHost.Create(AgentOptionsFor(key), TimeProvider.System, NullLoggerFactory.Instance);
        await restarted.StartAsync(ct);
        try
        {
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            while (true)
            {
                ReceivedMessage again;
                try
                {
                    again = await aggregator.Inbound.ReadAsync(quiet.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var verdict = engine.Receive(again.Topic, again.Payload.Span).Verdict;
                await again.AcknowledgeAsync(ct);
                Assert.True(verdict.Kind == IntakeOutcome.Duplicate, $"after the restart the agent sent something new: {verdict}");
            }
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
            restarted.Dispose();
        }

        using var ledger = PrivacyLedger.Open(Path.Combine(options.StateDirectory, "privacy.ledger"), new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta), new RdpAccountant(), TimeProvider.System);
        Assert.Single(ledger.Entries);
    }

    [Fact]
    public async Task A_broker_that_stops_answering_does_not_hold_up_the_agents_stop()
    {
        // the offline announcement waits for PUBACKs that a frozen broker never sends: its own budget, not the 10 s
        // operation timeout of these options, bounds the stop
        var ct = TestContext.Current.CancellationToken;
        await using var fleet = await FleetAsync(ct);
        var options = AgentOptionsFor(fleet.Key);
        Assert.True(options.Mqtt.OperationTimeout > TimeSpan.FromSeconds(5), "the test needs an operation timeout longer than the stop may take");
        string availability = $"fededge/v1/{TestClients.Fleet}/availability/{Device}";
        await using var homeAssistant = await TestClients.ConnectAsync(_broker, "homeassistant", 2, availability);
        var service = AgentTestHost.Create(options, TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(ct);
        try
        {
            var received = await TestClients.NextAsync(fleet.Aggregator, seconds: 30); // connected and working
            await received.AcknowledgeAsync(ct);
            Assert.Equal("online", await NextAvailabilityAsync(homeAssistant));
            await _broker.PauseAsync();

            var watch = Stopwatch.StartNew();
            await service.StopAsync(CancellationToken.None);
            watch.Stop();
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {watch.Elapsed}");
            Assert.True(watch.Elapsed >= AgentPresence.OfflineAnnouncementBudget - TimeSpan.FromMilliseconds(100), $"the offline announcement was not attempted ({watch.Elapsed})");

        }
        finally
        {
            await _broker.ResumeAsync();
            service.Dispose();
        }

        // its availability "offline" was never acknowledged, so the agent's disconnect asked for its last will: Home
        // Assistant does not keep showing a stopped device online
        Assert.Equal("offline", await NextAvailabilityAsync(homeAssistant));
    }

    private static async Task<string> NextAvailabilityAsync(ReconnectingMqttClient client)
    {
        var message = await TestClients.NextAsync(client, seconds: 30);
        await message.AcknowledgeAsync(TestContext.Current.CancellationToken);
        return System.Text.Encoding.UTF8.GetString(message.Payload.Span);
    }

    // The aggregator side of a test: a signing key, an in-process engine on its own state, and a client with the
    // aggregator's identity that has published the engine's model (retained) and reads the updates.
    private async Task<FleetSide> FleetAsync(CancellationToken ct)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var store = AggregatorStateStore.Open(_dir.File("aggregator.db"));
        var engine = InProcessEngine.Start(store, key);
        var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1, TestClients.SharedUpdatesFilter);
        await aggregator.PublishAsync(TestClients.ModelTopic, engine.CurrentModelMessage, retain: true, ct);
        return new FleetSide(key, store, engine, aggregator);
    }

    private sealed record FleetSide(ECDsa Key, AggregatorStateStore Store, AggregationEngine Engine, ReconnectingMqttClient Aggregator) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Aggregator.DisposeAsync();
            Store.Dispose();
            Key.Dispose();
        }
    }

    private AgentOptions AgentOptionsFor(ECDsa key)
    {
        var options = new AgentOptions
        {
            DeviceId = Device,
            Fleet = TestClients.Fleet,
            StateDirectory = _dir.File("agent"),
            ModelSigningPublicKeyPath = _dir.WriteText("model-signing.pub", key.ExportSubjectPublicKeyInfoPem()),
            Mqtt = TestClients.Options(_broker, Device, _broker.Pki.Client(Device)),
            SimulatedSensors = true,
            Power = new() { Source = PowerSourceKind.Mains },
            Eligibility = new() { IdleLoadThreshold = 1.0, IdleFor = TimeSpan.Zero, PowerStableFor = TimeSpan.Zero },
            Training = new() { MinSamples = 50, MaxSamples = 200, BatchSize = 32 },
            CheckInterval = TimeSpan.FromMilliseconds(100),
        };
        var validation = new AgentOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return options;
    }
}
