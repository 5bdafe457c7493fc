using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using System.Security.Cryptography;
using FedEdge.Device.Contribution;
using FedEdge.Device.Privacy;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Privacy;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Simulated;
using Microsoft.Extensions.Logging.Abstractions;

using FedEdge.IntegrationTests.Aggregator;

namespace FedEdge.IntegrationTests;

/// <summary>
/// One contribution end to end: the aggregation engine signs and publishes its model retained, the
/// device receives and verifies it, trains and privatises with the real runner, its outbox
/// publisher sends the update through mosquitto (mutual TLS, production ACL), and the engine,
/// fed from the shared subscription, accepts it.
/// </summary>
public sealed class AgentContributionTests : IAsyncLifetime
{
    private const string Device = "device-e2e";
    private readonly TempDirectory _dir = new();
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_device_update_travels_through_the_broker_and_the_aggregation_engine_accepts_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var store = AggregatorStateStore.Open(_dir.File("aggregator.db"));
        var engine = InProcessEngine.Start(store, key);
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1, TestClients.SharedUpdatesFilter);
        await aggregator.PublishAsync(TestClients.ModelTopic, engine.CurrentModelMessage, retain: true, ct);

        // the device: verify the retained model with the pinned key, then contribute through its outbox
        await using var device = await OutboxDevice.StartAsync(_broker, Device, _dir.File("outbox.db"), seed: 2);
        await device.Client.SubscribeAsync(TestClients.ModelTopic, ct);
        var modelMessage = await TestClients.NextAsync(device.Client);
        await modelMessage.AcknowledgeAsync(ct);
        Assert.True(new WireParser().ParseGlobalModel(modelMessage.Payload.Span).TryGet(out var model, out string reason), reason);
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(key)], TestClients.Fleet);
        var verification = verifier.TryAccept(model);
        Assert.True(verification.Succeeded, verification.ToString());

        using var ledger = PrivacyLedger.Open(_dir.File("privacy.ledger"), new PrivacyBudget(10, 1e-5), new RdpAccountant(), TimeProvider.System);
        using var noise = new GaussianNoise();
        using var ids = RandomNumberGenerator.Create();
        using var runner = new ContributionRunner(
            new AgentOptions { DeviceId = Device, Fleet = TestClients.Fleet, StateDirectory = _dir.Path, Privacy = new() { NoiseMultiplier = 1.0 }, Training = new() { BatchSize = 16, MinSamples = 10 } },
            ledger,
            device.Outbox,
            noise,
            ids,
            new Random(4),
            TimeProvider.System);
        var samples = SmartHomeSchema.Standardize(new SmartHomeActivityGenerator(9).GenerateHome(0, 150));
        var result = await runner.RunAsync(model, samples, () => true, ct);
        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);

        var received = await TestClients.NextAsync(aggregator, seconds: 20);
        var intake = engine.Receive(received.Topic, received.Payload.Span);
        await received.AcknowledgeAsync(ct);
        Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
        Assert.True(intake.Verdict.Update!.UpdateId.Span.SequenceEqual(result.UpdateId.Span));
    }
}
