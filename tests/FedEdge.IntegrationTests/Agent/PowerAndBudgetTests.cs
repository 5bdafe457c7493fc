using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using System.Security.Cryptography;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Models;
using FedEdge.Device.Privacy;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Privacy;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Simulated;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

using FedEdge.IntegrationTests.Aggregator;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>
/// Eligibility end to end with a power source and CPU load the test flips: the device trains only
/// while charging and idle, an unplug mid-run sends nothing and spends nothing, the resumed run's
/// update reaches the aggregation engine through mosquitto, and the ledger stops the device at its budget.
/// </summary>
public sealed class PowerAndBudgetTests : IAsyncLifetime
{
    private const string Device = "device-power";
    private readonly TempDirectory _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly GaussianNoise _noise = new();
    private readonly RandomNumberGenerator _ids = RandomNumberGenerator.Create();
    private MosquittoBroker _broker = null!;
    private AggregatorStateStore _store = null!;
    private AggregationEngine _engine = null!;

    public async ValueTask InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        _store = AggregatorStateStore.Open(_dir.File("aggregator.db"));
        _engine = InProcessEngine.Start(_store, _key);
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _store.Dispose();
        _key.Dispose();
        _noise.Dispose();
        _ids.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_agent_service_trains_only_while_charging_and_idle()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1, TestClients.SharedUpdatesFilter);
        await aggregator.PublishAsync(TestClients.ModelTopic, _engine.CurrentModelMessage, retain: true, ct);
        var power = new SwitchablePower { State = PowerState.OnBattery };
        var cpu = new SwitchableCpu { Busy = false };
        var options = AgentOptionsFor();
        var service = AgentTestHost.Create(options, TimeProvider.System, NullLoggerFactory.Instance, power, cpu);
        await service.StartAsync(ct);
        try
        {
            // the model is installed first: from then on every check reads the power source
            var models = new AcceptedModelStore(Path.Combine(options.StateDirectory, "model"));
            for (int wait = 0; wait < 2000 && models.LastAcceptedVersion != (ulong)_engine.CurrentVersion; wait++)
            {
                await Task.Delay(10, ct);
            }

            Assert.Equal((ulong)_engine.CurrentVersion, models.LastAcceptedVersion);

            // on battery (idle): many checks, no update
            await AssertNoUpdateWhileAsync(aggregator, power, reads: power.Reads + 5);

            // charging but busy: still no update
            cpu.Busy = true;
            power.State = PowerState.Charging;
            await AssertNoUpdateWhileAsync(aggregator, power, reads: power.Reads + 5);

            // charging and idle: the update arrives and the engine accepts it
            cpu.Busy = false;
            var received = await TestClients.NextAsync(aggregator, seconds: 30);
            var intake = _engine.Receive(received.Topic, received.Payload.Span);
            await received.AcknowledgeAsync(ct);
            Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
            Assert.Equal(Device, intake.Verdict.Update!.DeviceId);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }

        using var ledger = PrivacyLedger.Open(Path.Combine(options.StateDirectory, "privacy.ledger"), new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta), new RdpAccountant(), TimeProvider.System);
        Assert.Single(ledger.Entries);
    }

    [Fact]
    public async Task The_agent_service_stops_training_when_unplugged_mid_run_and_a_later_run_reaches_the_engine()
    {
        const string Service = "FedEdge.Device.Agent.DeviceAgent"; // the core logs each run and its outcome
        const int TrainingStarted = 15, ContributionEnded = 5;
        var ct = TestContext.Current.CancellationToken;
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 6, TestClients.SharedUpdatesFilter);
        await aggregator.PublishAsync(TestClients.ModelTopic, _engine.CurrentModelMessage, retain: true, ct);

        // the service's clock is the test's: eligibility is re-read during a run only once a second of it has passed
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 20, 0, 0, TimeSpan.Zero));
        var recorder = new EventRecorder();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(recorder).SetMinimumLevel(LogLevel.Debug));
        var power = new SwitchablePower { State = PowerState.Charging };
        var options = AgentOptionsFor();
        options.CheckInterval = TimeSpan.FromSeconds(1);
        // a run of seconds (500,000 steps), so it is caught mid-way: 100 epochs (50,000 steps) could finish before the test saw it start
        options.Training = new() { MinSamples = 50, MaxSamples = 2000, BatchSize = 4, Epochs = 1000 };
        var service = AgentTestHost.Create(options, time, loggers, power, new SwitchableCpu { Busy = false });
        await service.StartAsync(ct);
        try
        {
            var models = new AcceptedModelStore(Path.Combine(options.StateDirectory, "model"));
            for (int wait = 0; wait < 2000 && models.LastAcceptedVersion != (ulong)_engine.CurrentVersion; wait++)
            {
                await Task.Delay(10, ct);
            }

            Assert.Equal((ulong)_engine.CurrentVersion, models.LastAcceptedVersion);

            // charging and idle (the idle tracker needs two checks): a check starts a run; the cable is pulled while it trains
            for (int i = 0; i < 300 && recorder.Count(Service, TrainingStarted) < 1; i++)
            {
                time.Advance(options.CheckInterval);
                await Task.Delay(50, ct);
            }

            await recorder.WaitForAsync(Service, TrainingStarted, string.Empty, atLeast: 1, seconds: 30);
            power.State = PowerState.OnBattery;
            time.Advance(TimeSpan.FromSeconds(1));
            await recorder.WaitForAsync(Service, ContributionEnded, "Interrupted", atLeast: 1, seconds: 30);
            Assert.Equal(0, recorder.Count(Service, ContributionEnded, "Enqueued"));
            Assert.False(aggregator.Inbound.TryRead(out var early), $"an update arrived from the interrupted run: {early?.Topic}");

            // plugged in again: a later check trains to the end and the engine accepts the update
            power.State = PowerState.Charging;
            for (int i = 0; i < 300 && recorder.Count(Service, TrainingStarted) < 2; i++)
            {
                time.Advance(options.CheckInterval);
                await Task.Delay(50, ct);
            }

            // the resumed run is the whole 500,000 steps: a few seconds on an idle CI core, a minute and more when the
            // machine is shared (load 25 seen); the bound is a hang detector, not a timing
            var received = await TestClients.NextAsync(aggregator, seconds: 240);
            var intake = _engine.Receive(received.Topic, received.Payload.Span);
            await received.AcknowledgeAsync(ct);
            Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
            Assert.Equal(1, recorder.Count(Service, ContributionEnded, "Interrupted"));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }

        // the interrupted run spent nothing: one release for the one update
        using var ledger = PrivacyLedger.Open(Path.Combine(options.StateDirectory, "privacy.ledger"), new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta), new RdpAccountant(), TimeProvider.System);
        Assert.Single(ledger.Entries);
    }

    [Fact]
    public async Task An_unplug_mid_run_sends_and_spends_nothing_and_the_resumed_run_reaches_the_engine()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 2, TestClients.SharedUpdatesFilter);
        await using var device = await OutboxDevice.StartAsync(_broker, Device, _dir.File("outbox.db"), seed: 3);
        var model = ModelAsDeviceSeesIt();
        using var ledger = PrivacyLedger.Open(_dir.File("privacy.ledger"), new PrivacyBudget(10, 1e-5), new RdpAccountant(), TimeProvider.System);
        using var runner = Runner(ledger, device);
        var samples = Samples();

        // plugged in for the first 5 optimizer steps (plus the start check), then the cable is pulled
        var power = new SwitchablePower { State = PowerState.Charging, UnplugAfterReads = 6 };
        var policy = new EligibilityPolicy(new EligibilityOptions { IdleLoadThreshold = 1.0, IdleFor = TimeSpan.Zero, PowerStableFor = TimeSpan.Zero });
        bool Eligible() => policy.Evaluate(new EligibilitySignals(true, power.Read(), null, runner.CanAfford(), true, true), DateTimeOffset.UnixEpoch).Eligible;
        Assert.True(Eligible());

        var interrupted = await runner.RunAsync(model, samples, Eligible, ct);
        Assert.Equal(ContributionOutcome.Interrupted, interrupted.Outcome);
        Assert.Equal(5, interrupted.Steps);
        Assert.Empty(ledger.Entries);
        using (var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await aggregator.Inbound.ReadAsync(quiet.Token));
        }

        // plugged in again: the run completes and the engine accepts the update
        power.UnplugAfterReads = null;
        var resumed = await runner.RunAsync(model, samples, Eligible, ct);
        Assert.Equal(ContributionOutcome.Enqueued, resumed.Outcome);
        var received = await TestClients.NextAsync(aggregator, seconds: 20);
        var intake = _engine.Receive(received.Topic, received.Payload.Span);
        await received.AcknowledgeAsync(ct);
        Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
        Assert.True(intake.Verdict.Update!.UpdateId.Span.SequenceEqual(resumed.UpdateId.Span));
        Assert.Single(ledger.Entries);
    }

    [Fact]
    public async Task The_privacy_ledger_stops_the_device_after_the_contributions_its_budget_affords()
    {
        var ct = TestContext.Current.CancellationToken;
        const int affordable = 2;

        // The budget lies halfway between the spend of 2 and of 3 releases, as a separate ledger accounts them.
        double[] spent = new double[affordable + 1];
        using (var scratch = PrivacyLedger.Open(_dir.File("scratch.ledger"), new PrivacyBudget(1e9, 1e-5), new RdpAccountant(), TimeProvider.System))
        {
            var mechanism = new SubsampledGaussian(1.0, 1.0, 1);
            for (int i = 0; i <= affordable; i++)
            {
                scratch.Reserve(MechanismKind.UserLevelGaussian, mechanism, 1);
                spent[i] = scratch.Spent().Epsilon;
            }
        }

        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 4, TestClients.SharedUpdatesFilter);
        await using var device = await OutboxDevice.StartAsync(_broker, Device, _dir.File("outbox.db"), seed: 5);
        var model = ModelAsDeviceSeesIt();
        using var ledger = PrivacyLedger.Open(_dir.File("privacy.ledger"), new PrivacyBudget((spent[affordable - 1] + spent[affordable]) / 2, 1e-5), new RdpAccountant(), TimeProvider.System);
        using var runner = Runner(ledger, device);
        var samples = Samples();

        var outcomes = new List<ContributionOutcome>();
        for (int run = 0; run < affordable + 2; run++)
        {
            outcomes.Add((await runner.RunAsync(model, samples, () => true, ct)).Outcome);
        }

        Assert.Equal([ContributionOutcome.Enqueued, ContributionOutcome.Enqueued, ContributionOutcome.BudgetExhausted, ContributionOutcome.BudgetExhausted], outcomes);
        Assert.Equal(affordable, ledger.Entries.Count);
        Assert.False(runner.CanAfford());
        for (int i = 0; i < affordable; i++)
        {
            var received = await TestClients.NextAsync(aggregator, seconds: 20);
            await received.AcknowledgeAsync(ct);
            Assert.Equal(TestClients.UpdatesTopic(Device), received.Topic);
        }

        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await aggregator.Inbound.ReadAsync(quiet.Token));
    }

    /// <summary>Waits until the service has read the power source <paramref name="reads"/> times (each check reads it), then asserts no update arrived.</summary>
    private static async Task AssertNoUpdateWhileAsync(ReconnectingMqttClient aggregator, SwitchablePower power, int reads)
    {
        for (int wait = 0; wait < 1000 && power.Reads < reads; wait++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(power.Reads >= reads, $"the service read the power source only {power.Reads} times");
        Assert.False(aggregator.Inbound.TryRead(out var early), $"an update arrived while not eligible: {early?.Topic}");
    }

    private GlobalModel ModelAsDeviceSeesIt()
    {
        Assert.True(new WireParser().ParseGlobalModel(_engine.CurrentModelMessage.Span).TryGet(out var model, out string reason), reason);
        return model;
    }

    private static Core.Data.Dataset Samples() => SmartHomeSchema.Standardize(new SmartHomeActivityGenerator(9).GenerateHome(0, 150));

    private ContributionRunner Runner(PrivacyLedger ledger, OutboxDevice device) => new(
        new AgentOptions { DeviceId = Device, Fleet = TestClients.Fleet, StateDirectory = _dir.Path, Privacy = new() { NoiseMultiplier = 1.0 }, Training = new() { BatchSize = 16, MinSamples = 10 } },
        ledger,
        device.Outbox,
        _noise,
        _ids,
        new Random(4),
        TimeProvider.System);

    private AgentOptions AgentOptionsFor()
    {
        var options = new AgentOptions
        {
            DeviceId = Device,
            Fleet = TestClients.Fleet,
            StateDirectory = _dir.File("agent"),
            ModelSigningPublicKeyPath = _dir.WriteText("model-signing.pub", _key.ExportSubjectPublicKeyInfoPem()),
            Mqtt = TestClients.Options(_broker, Device, _broker.Pki.Client(Device)),
            SimulatedSensors = true,
            Eligibility = new() { IdleLoadThreshold = 0.5, IdleFor = TimeSpan.Zero, PowerStableFor = TimeSpan.Zero },
            Training = new() { MinSamples = 50, MaxSamples = 200, BatchSize = 32 },
            CheckInterval = TimeSpan.FromMilliseconds(100),
            Prediction = new() { Enabled = false },
        };
        var validation = new AgentOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return options;
    }
}
