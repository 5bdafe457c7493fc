using System.Collections.Concurrent;
using System.Security.Cryptography;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.IntegrationTests.Agent;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Features;
using FedEdge.Sensors.Simulated;
using FedEdge.Simulation.Devices;
using FedEdge.Simulation.Fleet;
using FedEdge.Simulation.Transport;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.IntegrationTests.Simulation;

/// <summary>
/// One scripted device scenario — no model yet; model v1 and a pace arrive and the device trains; it is unplugged; v2
/// arrives while it is on battery; it is plugged in, starts training and is unplugged mid-run; plugged in again it
/// trains to the end — run through the hosted agent (AgentService and its
/// hosted services over mosquitto, the clock advanced tick by tick) and through the simulator's VirtualDevice (its broker
/// session, its profile's signals). Both drive the one <see cref="DeviceAgent"/>: the decision sequences must be equal.
/// </summary>
public sealed class DeviceTraceEqualityTests : IAsyncLifetime
{
    private const string Device = "device-trace";
    private readonly TempDirectory _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _key.Dispose();
        _dir.Dispose();
    }

    private enum Step
    {
        Tick,
        OfferV1,
        OfferV2,
        Unplug,
        PlugIn,
        TickUnpluggedMidRun,
    }

    private static readonly Step[] Script =
    [
        Step.Tick, Step.OfferV1, Step.Tick, Step.Tick, Step.Unplug, Step.Tick, Step.OfferV2, Step.Tick,
        Step.PlugIn, Step.TickUnpluggedMidRun, Step.Tick, Step.PlugIn, Step.Tick, Step.Tick,
    ];

    private AgentOptions Options(string state) => new()
    {
        DeviceId = Device,
        Fleet = TestClients.Fleet,
        MemoryClass = "pi4",
        StateDirectory = state,
        ModelSigningPublicKeyPath = _dir.WriteText("model-signing.pub", _key.ExportSubjectPublicKeyInfoPem()),
        Mqtt = TestClients.Options(_broker, Device, _broker.Pki.Client(Device)),
        SimulatedSensors = true,
        Privacy = new() { Mode = ContributionPrivacy.None },
        Eligibility = new() { IdleLoadThreshold = 0.5, IdleFor = TimeSpan.Zero, PowerStableFor = TimeSpan.Zero },
        Training = new() { MinSamples = 50, MaxSamples = 400, BatchSize = 4, Epochs = 50 }, // a run long enough to be unplugged in
        CheckInterval = TimeSpan.FromSeconds(30),
        Prediction = new() { Enabled = false },
    };

    private GlobalModel Model(ulong version)
    {
        var architecture = ModelArchitecture.Parse("mlp-14-8-5");
        var parameters = architecture.InitialParameters(new Random((int)version));
        var codec = new DenseFloat32Codec();
        byte[] bytes = new byte[codec.MaxEncodedSize(architecture.Layout)];
        int written = codec.Encode(parameters.AsSpan(), architecture.Layout, bytes);
        return new ModelSigner(_key).Sign(new GlobalModel
        {
            ProtocolMajor = ProtocolVersion.Major,
            Version = version,
            Fleet = TestClients.Fleet,
            Architecture = architecture.ToString(),
            ArchitectureHash = ByteString.CopyFrom(Convert.FromHexString(architecture.Hash())),
            ParametersEncoding = PayloadEncoding.DenseFloat32,
            Parameters = ByteString.CopyFrom(bytes, 0, written),
            CreatedAtUnixMs = 1,
        });
    }

    private static byte[] Pace(ulong version) =>
        new Pace { ProtocolMajor = ProtocolVersion.Major, Fleet = TestClients.Fleet, UpdatesWanted = 3, ModelVersion = version, CreatedAtUnixMs = 1 }.ToByteArray();

    [Fact]
    public async Task The_hosted_agent_and_the_simulated_device_take_the_same_decisions()
    {
        var hosted = await RunHostedAsync();
        var simulated = await RunSimulatedAsync();

        Assert.Equal(simulated, hosted);
        Assert.Equal(2, hosted.Count(d => d.Contains("Contributed", StringComparison.Ordinal) && d.EndsWith("Enqueued", StringComparison.Ordinal)));
        Assert.Contains(hosted, d => d.Contains("NotEligible v2 on_battery", StringComparison.Ordinal));
        Assert.Contains($"{Device} Contributed v2 Interrupted", hosted);
    }

    private async Task<string[]> RunHostedAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 20, 0, 0, TimeSpan.Zero));
        var power = new SwitchablePower { State = PowerState.Charging };
        var options = Options(_dir.File("hosted"));
        var decisions = new ConcurrentQueue<DeviceDecision>();
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1, TestClients.SharedUpdatesFilter);
        var host = AgentTestHost.Create(options, time, NullLoggerFactory.Instance, power, new SwitchableCpu { Busy = false });
        host.Agent.Decided += decisions.Enqueue;
        await host.StartAsync(ct);
        try
        {
            foreach (var step in Script)
            {
                switch (step)
                {
                    case Step.OfferV1 or Step.OfferV2:
                        ulong version = step == Step.OfferV1 ? 1ul : 2ul;
                        await aggregator.PublishAsync(TopicScheme.Model(TestClients.Fleet), Model(version).ToByteArray(), retain: true, ct);
                        await aggregator.PublishAsync(TopicScheme.Pace(TestClients.Fleet), Pace(version), retain: true, ct);
                        await UntilAsync(() => host.Agent.Installed?.Version == version && host.Agent.Pace?.ModelVersion == version, ct);
                        break;
                    case Step.Unplug:
                        power.State = PowerState.OnBattery;
                        break;
                    case Step.PlugIn:
                        power.State = PowerState.Charging;
                        break;
                    case Step.TickUnpluggedMidRun:
                        // the run re-reads the signals once a second of its clock: unplug while it trains, then let a second pass
                        int runs = decisions.Count(d => d.Kind == DeviceDecisionKind.Contributed);
                        time.Advance(options.CheckInterval);
                        await UntilAsync(() => host.Agent.State == DeviceState.Training, ct);
                        power.State = PowerState.OnBattery;
                        time.Advance(TimeSpan.FromSeconds(1));
                        await UntilAsync(() => decisions.Count(d => d.Kind == DeviceDecisionKind.Contributed) > runs, ct, seconds: 60);
                        break;
                    default:
                        // one CheckInterval: the agent evaluates, and trains when eligible; wait until the tick's work is done
                        int contributed = decisions.Count(d => d.Kind == DeviceDecisionKind.Contributed);
                        var eligibleBefore = host.Agent.Eligibility;
                        // the loop's timer may not exist yet when the first advance comes: advance again until a tick lands
                        // (a tick changes nothing by itself: decisions are recorded only when the blockers change)
                        for (int attempt = 0; attempt < 10 && ReferenceEquals(host.Agent.Eligibility, eligibleBefore); attempt++)
                        {
                            time.Advance(options.CheckInterval);
                            await WithinAsync(() => !ReferenceEquals(host.Agent.Eligibility, eligibleBefore), TimeSpan.FromSeconds(2), ct);
                        }

                        Assert.False(ReferenceEquals(host.Agent.Eligibility, eligibleBefore), "no tick reached the agent");
                        if (host.Agent.Eligibility!.Eligible)
                        {
                            await UntilAsync(() => decisions.Count(d => d.Kind == DeviceDecisionKind.Contributed) > contributed, ct, seconds: 60);
                        }

                        break;
                }
            }

            return [.. decisions.Select(d => d.ToString())];
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await host.DisposeAsync();
        }
    }

    private async Task<string[]> RunSimulatedAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 20, 0, 0, TimeSpan.Zero));
        await using var broker = await EmbeddedBroker.StartAsync();
        var profile = new DeviceProfile(0, Device, BoardClass.Defaults[2], SpeedFactor: 1, Straggler: false, OnMains: false, WindowStartHour: 0, WindowHours: 24, LatencySeconds: 0);
        var train = SmartHomeSchema.Standardize(new SmartHomeActivityGenerator(7).GenerateHome(0, 200));
        using var trainers = new LocalTrainers(_dir.File("sim-artifacts"), 1);
        var decisions = new List<DeviceDecision>();
        await using var device = new VirtualDevice(profile, train, Options(_dir.File("simulated")), PinnedModelKey.FromKey(_key), broker.Endpoint, trainers, clock, seed: 3, NullLoggerFactory.Instance);
        device.Agent.Decided += decisions.Add;
        await using var aggregator = new ReconnectingMqttClient(broker.Endpoint.Options("aggregator", "aggregator"), TimeProvider.System, new Random(1), NullLogger<ReconnectingMqttClient>.Instance);
        aggregator.Start();
        await aggregator.WaitUntilConnectedAsync(ct);
        bool plugged = true;
        foreach (var step in Script)
        {
            switch (step)
            {
                case Step.OfferV1 or Step.OfferV2:
                    ulong version = step == Step.OfferV1 ? 1ul : 2ul;
                    byte[] pace = Pace(version);
                    await aggregator.PublishAsync(TopicScheme.Model(TestClients.Fleet), Model(version).ToByteArray(), retain: true, ct);
                    await aggregator.PublishAsync(TopicScheme.Pace(TestClients.Fleet), pace, retain: true, ct);
                    await device.SessionAsync((long)version, pace, ct);
                    break;
                case Step.Unplug:
                    plugged = false;
                    break;
                case Step.PlugIn:
                    plugged = true;
                    break;
                case Step.TickUnpluggedMidRun:
                    // the virtual clock knows the window closed before the first step: the core asks, and stops
                    clock.Advance(TimeSpan.FromSeconds(30));
                    if (device.Agent.Evaluate(device.Signals(clock.GetUtcNow(), plugged)).Eligible)
                    {
                        await device.Agent.ContributeAsync(device.Train, () => false, ct);
                    }

                    plugged = false;
                    break;
                default:
                    clock.Advance(TimeSpan.FromSeconds(30));
                    if (device.Agent.Evaluate(device.Signals(clock.GetUtcNow(), plugged)).Eligible)
                    {
                        await device.Agent.ContributeAsync(device.Train, () => true, ct);
                    }

                    break;
            }
        }

        return [.. decisions.Select(d => d.ToString())];
    }

    private static async Task WithinAsync(Func<bool> condition, TimeSpan wait, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(wait);
        while (!condition() && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20, ct);
        }
    }

    private static async Task UntilAsync(Func<bool> condition, CancellationToken ct, int seconds = 20)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"not reached within {seconds} s");
            await Task.Delay(20, ct);
        }
    }
}
