using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MQTTnet;
using MQTTnet.Server;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>
/// An in-process MQTT broker on 127.0.0.1 (no TLS) that records every message any client publishes
/// through it (topic, sender, payload), so a test sees exactly what the device sent.
/// Created stopped: until <see cref="StartAsync"/> its port refuses connections.
/// </summary>
internal sealed class CapturingBroker : IAsyncDisposable
{
    private MqttServer? _server;
    private IMqttClient? _aggregator;

    public CapturingBroker(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<CapturedMessage> Published { get; } = new();

    public async Task StartAsync()
    {
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            .WithDefaultEndpointReuseAddress()
            .WithPersistentSessions(true)
            .Build();
        var server = factory.CreateMqttServer(options);
        server.InterceptingPublishAsync += e =>
        {
            Published.Enqueue(new CapturedMessage(e.ApplicationMessage.Topic, e.ClientId, e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await server.StartAsync();
        _server = server;
    }

    /// <summary>
    /// Subscribes a stand-in aggregator to <paramref name="filter"/>: an MQTT 5 broker acknowledges a
    /// publish nobody subscribed to with "no matching subscribers", which the device's outbox
    /// (rightly) does not count as delivered.
    /// </summary>
    public async Task SubscribeAggregatorAsync(string filter)
    {
        var factory = new MqttClientFactory();
        _aggregator = factory.CreateMqttClient();
        await _aggregator.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Port).WithClientId("aggregator").Build());
        await _aggregator.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter).Build());
    }

    /// <summary>Delivers a retained message as if another client (the aggregator) had published it.</summary>
    public async Task InjectRetainedAsync(string topic, byte[] payload)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "aggregator" });
    }

    public async ValueTask DisposeAsync()
    {
        if (_aggregator is not null)
        {
            await _aggregator.DisconnectAsync();
            _aggregator.Dispose();
            _aggregator = null;
        }

        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(new MqttServerStopOptions());
            server.Dispose();
        }
    }
}
