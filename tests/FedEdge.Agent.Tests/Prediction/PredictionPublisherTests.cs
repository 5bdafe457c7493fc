using FedEdge.Agent.Prediction;
using FedEdge.Protocol.Transport;
using MQTTnet;

namespace FedEdge.Agent.Tests.Prediction;

public sealed class PredictionPublisherTests
{
    private static readonly ActivityPrediction Cooking = new("cooking", 2, 0.9, "global", 4, new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero));

    private sealed class RecordingPublisher : IAcknowledgedPublisher
    {
        public List<(string Topic, bool Retain)> Published { get; } = [];

        public bool Fail { get; set; }

        public Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new TransportUnavailableException("broker down");
            }

            Published.Add((topic, retain));
            return Task.FromResult(new PublishAcknowledgement(MqttClientPublishReasonCode.Success));
        }
    }

    private static PredictionPublisher Publisher(RecordingPublisher client) =>
        new(client, new HomeAssistantDiscovery("homeassistant", "home", "dev-1", "pi4", TimeSpan.FromMinutes(1)));

    [Fact]
    public async Task PublishAsync_announces_the_discovery_configs_once_then_only_predictions_all_retained()
    {
        var client = new RecordingPublisher();
        var publisher = Publisher(client);

        await publisher.PublishAsync(Cooking, TestContext.Current.CancellationToken);
        await publisher.PublishAsync(Cooking, TestContext.Current.CancellationToken);

        Assert.Equal(
            [
                ("homeassistant/sensor/dev-1/activity/config", true),
                ("homeassistant/sensor/dev-1/activity_probability/config", true),
                ("fededge/v1/home/predictions/dev-1", true),
                ("fededge/v1/home/predictions/dev-1", true),
            ],
            client.Published);
    }

    [Fact]
    public async Task PublishAsync_announces_again_after_an_announcement_failed()
    {
        var client = new RecordingPublisher { Fail = true };
        var publisher = Publisher(client);
        await Assert.ThrowsAsync<TransportUnavailableException>(() => publisher.PublishAsync(Cooking, TestContext.Current.CancellationToken));
        Assert.False(publisher.Announced);

        client.Fail = false;
        await publisher.PublishAsync(Cooking, TestContext.Current.CancellationToken);

        Assert.True(publisher.Announced);
        Assert.Equal(3, client.Published.Count);
    }
}
