using FedEdge.Device.Prediction;
using FedEdge.Protocol.Transport;
using MQTTnet;

namespace FedEdge.Agent.Tests.Prediction;

public sealed class PredictionPublisherTests
{
    private static readonly ActivityPrediction Cooking = new("cooking", 2, 0.9, "global", 4, new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero));

    private sealed class RecordingPublisher : IAcknowledgedPublisher
    {
        public List<(string Topic, int Bytes, bool Retain)> Published { get; } = [];

        public Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            Published.Add((topic, payload.Length, retain));
            return Task.FromResult(new PublishAcknowledgement(MqttClientPublishReasonCode.Success));
        }
    }

    private static HomeAssistantDiscovery Discovery() => new("homeassistant", "home", "dev-1", "pi4", TimeSpan.FromMinutes(1));

    [Fact]
    public async Task PublishAsync_publishes_only_the_prediction_retained()
    {
        var client = new RecordingPublisher();

        await new PredictionPublisher(client, Discovery()).PublishAsync(Cooking, TestContext.Current.CancellationToken);

        var published = Assert.Single(client.Published);
        Assert.Equal("fededge/v1/home/predictions/dev-1", published.Topic);
        Assert.True(published.Retain);
    }

    [Fact]
    public async Task AnnounceAsync_publishes_every_config_retained_each_time_it_is_called()
    {
        var client = new RecordingPublisher();
        var publisher = new PredictionPublisher(client, Discovery());

        await publisher.AnnounceAsync(announce: true, TestContext.Current.CancellationToken);
        await publisher.AnnounceAsync(announce: true, TestContext.Current.CancellationToken);

        var topics = Discovery().Configs().Select(c => c.Topic).ToList();
        Assert.Equal([.. topics, .. topics], client.Published.Select(p => p.Topic));
        Assert.All(client.Published, p => Assert.True(p.Retain && p.Bytes > 0));
    }

    [Fact]
    public async Task AnnounceAsync_with_predictions_off_publishes_an_empty_retained_payload_on_each_config_topic()
    {
        var client = new RecordingPublisher();

        await new PredictionPublisher(client, Discovery()).AnnounceAsync(announce: false, TestContext.Current.CancellationToken);

        Assert.Equal(Discovery().Configs().Select(c => c.Topic), client.Published.Select(p => p.Topic));
        Assert.All(client.Published, p => Assert.True(p.Retain && p.Bytes == 0));
    }
}
