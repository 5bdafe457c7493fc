using FedEdge.Device.Configuration;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Agent.Hosting;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Sensors.Labels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>User feedback labels through mosquitto with the production ACL: Home Assistant writes, only the device reads.</summary>
public sealed class FeedbackBrokerTests : IAsyncLifetime
{
    private const string Device = "kitchen-1";
    private const string Service = "FedEdge.Agent.Hosting.AgentService";
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

    [Fact]
    public async Task Feedback_from_home_assistant_reaches_the_agents_label_inbox_and_a_bad_one_is_logged_and_ignored()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new EventRecorder();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(recorder).SetMinimumLevel(LogLevel.Debug));
        var inbox = new FeedbackLabelInbox();
        var service = AgentTestHost.Create(AgentOptionsFor(), TimeProvider.System, loggers, new SwitchablePower(), new SwitchableCpu(), feedback: inbox);
        await service.StartAsync(ct);
        try
        {
            string topic = TopicScheme.Feedback(TestClients.Fleet, Device);
            await recorder.WaitForAsync("FedEdge.Protocol.Transport.ReconnectingMqttClient", 1005, topic, atLeast: 1, seconds: 30);
            await using var ha = await TestClients.ConnectAsync(_broker, "homeassistant", 1);

            await ha.PublishAsync(topic, Encoding.UTF8.GetBytes("""{"label":"cooking"}"""), retain: false, ct);
            await recorder.WaitForAsync(Service, 13, "cooking", atLeast: 1, seconds: 30);
            await ha.PublishAsync(topic, Encoding.UTF8.GetBytes("""{"label":"fall"}"""), retain: false, ct);
            await recorder.WaitForAsync(Service, 14, "unknown label \"fall\"", atLeast: 1, seconds: 30);

            Assert.Equal(1, inbox.Count);
            var now = TimeProvider.System.GetUtcNow();
            Assert.True(inbox.TryGetLabel(now.AddMinutes(-1), now.AddMinutes(1), out string? label));
            Assert.Equal("cooking", label);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }
    }

    [Fact]
    public async Task The_broker_refuses_feedback_written_by_a_device()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var other = await TestClients.ConnectAsync(_broker, "kitchen-2", 2);

        var refused = await Assert.ThrowsAsync<PublishRejectedException>(
            () => other.PublishAsync(TopicScheme.Feedback(TestClients.Fleet, Device), """{"label":"cooking"}"""u8.ToArray(), retain: false, ct));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
    }

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
            Prediction = new() { Enabled = false },
        };
        var validation = new AgentOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return options;
    }
}
