using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Transport;

namespace FedEdge.IntegrationTests;

/// <summary>Messages through a real mosquitto with mutual TLS and the production ACL.</summary>
public sealed class DeliveryTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Aggregator_on_the_shared_subscription_receives_a_device_update_bit_exact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1, TestClients.SharedUpdatesFilter);
        await using var device = await TestClients.ConnectAsync(_broker, "device-01", 2);
        var payload = new byte[20_000];
        new Random(3).NextBytes(payload);

        await device.PublishAsync(TestClients.UpdatesTopic("device-01"), payload, retain: false, ct);

        var received = await TestClients.NextAsync(aggregator);
        await received.AcknowledgeAsync(ct);
        Assert.Equal(TestClients.UpdatesTopic("device-01"), received.Topic);
        Assert.Equal(payload, received.Payload.ToArray());
    }

    [Fact]
    public async Task Retained_model_reaches_a_device_that_connects_later()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = new byte[5_000];
        new Random(4).NextBytes(model);
        await using (var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1))
        {
            await aggregator.PublishAsync(TestClients.ModelTopic, model, retain: true, ct);
        }

        await using var device = await TestClients.ConnectAsync(_broker, "device-07", 2, TestClients.ModelTopic);

        var received = await TestClients.NextAsync(device);
        await received.AcknowledgeAsync(ct);
        Assert.True(received.Retain);
        Assert.Equal(model, received.Payload.ToArray());
    }

    [Fact]
    public async Task Device_publishing_on_another_devices_update_topic_is_refused_with_NotAuthorized_and_never_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1, TestClients.SharedUpdatesFilter);
        await using var deviceA = await TestClients.ConnectAsync(_broker, "device-a", 2);
        await using var deviceB = await TestClients.ConnectAsync(_broker, "device-b", 3);

        var refused = await Assert.ThrowsAsync<PublishRejectedException>(
            () => deviceA.PublishAsync(TestClients.UpdatesTopic("device-b"), "forged"u8.ToArray(), retain: false, ct));
        await deviceB.PublishAsync(TestClients.UpdatesTopic("device-b"), "genuine"u8.ToArray(), retain: false, ct);

        // The forged message reached the broker before the genuine one; had it been forwarded it would come first.
        var first = await TestClients.NextAsync(aggregator);
        await first.AcknowledgeAsync(ct);
        Assert.Equal(MQTTnet.MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Equal("genuine"u8.ToArray(), first.Payload.ToArray());
        Assert.False(aggregator.Inbound.TryRead(out _));
    }
}
