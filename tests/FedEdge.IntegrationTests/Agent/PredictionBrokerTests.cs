using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using FedEdge.Device.Eligibility;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Transport;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;

using FedEdge.IntegrationTests.Aggregator;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>Predictions and Home Assistant discovery through mosquitto with the production ACL.</summary>
public sealed class PredictionBrokerTests : IAsyncLifetime
{
    private const string Device = "kitchen-1";
    private const string HomeAssistant = "homeassistant";
    private readonly TempDirectory _dir = new();
    private MosquittoBroker _broker = null!;

    private static string PredictionsTopic => $"fededge/v1/{TestClients.Fleet}/predictions/{Device}";

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_device_may_publish_its_prediction_and_discovery_configs_and_home_assistant_receives_them_retained()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var device = await TestClients.ConnectAsync(_broker, Device, 1))
        {
            var publisher = new PredictionPublisher(device, new HomeAssistantDiscovery("homeassistant", TestClients.Fleet, Device, "pi4", TimeSpan.FromMinutes(1)));
            await publisher.AnnounceAsync(announce: true, ct);
            await publisher.PublishAsync(new ActivityPrediction("cooking", 2, 0.75, "global", 3, DateTimeOffset.UnixEpoch.AddDays(20000)), ct);
        }

        // Home Assistant connects later and still finds everything (retained): nine entity configs and the prediction
        await using var ha = await TestClients.ConnectAsync(_broker, HomeAssistant, 2, $"homeassistant/sensor/{Device}/#", PredictionsTopic);
        var received = new Dictionary<string, string>();
        while (received.Count < 10)
        {
            var message = await TestClients.NextAsync(ha);
            received[message.Topic] = Encoding.UTF8.GetString(message.Payload.Span);
            await message.AcknowledgeAsync(ct);
        }

        using var prediction = JsonDocument.Parse(received[PredictionsTopic]);
        Assert.Equal("cooking", prediction.RootElement.GetProperty("activity").GetString());
        Assert.Equal("global", prediction.RootElement.GetProperty("model").GetString());
        using var activity = JsonDocument.Parse(received[$"homeassistant/sensor/{Device}/activity/config"]);
        Assert.Equal(PredictionsTopic, activity.RootElement.GetProperty("state_topic").GetString());
        Assert.Contains($"homeassistant/sensor/{Device}/activity_probability/config", received.Keys);
    }

    [Fact]
    public async Task The_broker_refuses_a_discovery_config_under_another_devices_node_id()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var device = await TestClients.ConnectAsync(_broker, Device, 3);

        var refused = await Assert.ThrowsAsync<PublishRejectedException>(
            () => device.PublishAsync("homeassistant/sensor/other-device/activity/config", "{}"u8.ToArray(), retain: true, ct));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
    }

    [Fact]
    public async Task The_agent_service_publishes_a_prediction_of_the_global_model_it_received()
    {
        var ct = TestContext.Current.CancellationToken;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var store = AggregatorStateStore.Open(_dir.File("aggregator.db"));
        var engine = InProcessEngine.Start(store, key);
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 4, TestClients.SharedUpdatesFilter);
        await aggregator.PublishAsync(TestClients.ModelTopic, engine.CurrentModelMessage, retain: true, ct);
        await using var ha = await TestClients.ConnectAsync(_broker, HomeAssistant, 5, PredictionsTopic);

        var service = AgentTestHost.Create(AgentOptionsFor(key, simulated: true), TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(ct);
        try
        {
            var message = await TestClients.NextAsync(ha, seconds: 30);
            await message.AcknowledgeAsync(ct);
            using var json = JsonDocument.Parse(message.Payload);
            var root = json.RootElement;
            Assert.Contains(root.GetProperty("activity").GetString(), SmartHomeSchema.ClassNames);
            double p = root.GetProperty("probability").GetDouble();
            Assert.InRange(p, 0.2, 1.0); // the arg-max of 5 classes is at least 1/5
            Assert.Equal((ulong)engine.CurrentVersion, root.GetProperty("model_version").GetUInt64());
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }
    }

    [Fact]
    public async Task The_agent_service_on_real_sensors_predicts_the_newest_window_the_sampler_produced()
    {
        var ct = TestContext.Current.CancellationToken;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var store = AggregatorStateStore.Open(_dir.File("aggregator.db"));
        var engine = InProcessEngine.Start(store, key);
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 6, TestClients.SharedUpdatesFilter);
        await aggregator.PublishAsync(TestClients.ModelTopic, engine.CurrentModelMessage, retain: true, ct);
        await using var ha = await TestClients.ConnectAsync(_broker, HomeAssistant, 7, PredictionsTopic);

        var options = AgentOptionsFor(key, simulated: false);
        using var samples = new SampleStore(new SampleStoreOptions
        {
            Path = _dir.File("samples.db"),
            FeatureCount = SmartHomeSchema.FeatureNames.Count,
            ClassCount = SmartHomeSchema.ClassCount,
        });
        var latest = new LatestFeatures();
        var windowEnd = new DateTimeOffset(2026, 11, 25, 19, 30, 0, TimeSpan.Zero);
        latest.Set(new SmartHomeActivityGenerator(3).GenerateHome(0, 1).Row(0), windowEnd);
        var service = AgentTestHost.Create(options, TimeProvider.System, NullLoggerFactory.Instance, samples: samples, latest: latest);
        await service.StartAsync(ct);
        try
        {
            var message = await TestClients.NextAsync(ha, seconds: 30);
            await message.AcknowledgeAsync(ct);
            using var json = JsonDocument.Parse(message.Payload);
            Assert.Equal(windowEnd.ToUnixTimeMilliseconds(), json.RootElement.GetProperty("timestamp_ms").GetInt64());
            Assert.Contains(json.RootElement.GetProperty("activity").GetString(), SmartHomeSchema.ClassNames);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }
    }

    private AgentOptions AgentOptionsFor(ECDsa key, bool simulated)
    {
        var options = new AgentOptions
        {
            DeviceId = Device,
            Fleet = TestClients.Fleet,
            StateDirectory = _dir.File("agent"),
            ModelSigningPublicKeyPath = _dir.WriteText("model-signing.pub", key.ExportSubjectPublicKeyInfoPem()),
            Mqtt = TestClients.Options(_broker, Device, _broker.Pki.Client(Device)),
            SimulatedSensors = simulated,
            Power = new() { Source = PowerSourceKind.Mains },
            Eligibility = new() { IdleLoadThreshold = 1.0, IdleFor = TimeSpan.Zero, PowerStableFor = TimeSpan.Zero },
            Training = new() { MinSamples = 50, MaxSamples = 200, BatchSize = 32 },
            CheckInterval = TimeSpan.FromMilliseconds(100),
            Prediction = new() { Interval = TimeSpan.FromMilliseconds(100) },
        };
        var validation = new AgentOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return options;
    }
}
