using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Packets;

namespace FedEdge.Protocol.Tests.Transport;

/// <summary>
/// The client's own keep-alive (MQTTnet's 250 ms polling loop is off): the broker is told the configured
/// keep-alive, pings follow the injected clock, and an unanswered ping leads to a reconnect.
/// </summary>
public sealed class ReconnectingMqttClientKeepAliveTests
{
    [Fact]
    public async Task Connect_announces_the_configured_keep_alive_to_the_broker()
    {
        ushort? announced = null;
        await using var broker = await InProcessBroker.StartAsync(server => server.ValidatingConnectionAsync += args =>
        {
            announced = args.KeepAlivePeriod;
            return Task.CompletedTask;
        });
        var options = TransportFixtures.Options(broker.Port, "d1");
        options.KeepAlive = TimeSpan.FromSeconds(37);
        await using var client = TransportFixtures.Client(options);

        client.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.WaitUntilConnectedAsync(timeout.Token);

        Assert.Equal((ushort)37, announced);
    }

    [Fact]
    public async Task Client_pings_the_broker_as_the_keep_alive_clock_passes_half_keep_alives()
    {
        int pings = 0, connections = 0;
        await using var broker = await InProcessBroker.StartAsync(server =>
        {
            server.InterceptingInboundPacketAsync += args =>
            {
                if (args.Packet is MqttPingReqPacket)
                {
                    Interlocked.Increment(ref pings);
                }

                return Task.CompletedTask;
            };
            server.ClientConnectedAsync += _ =>
            {
                Interlocked.Increment(ref connections);
                return Task.CompletedTask;
            };
        });
        var time = new FakeTimeProvider();
        var options = TransportFixtures.Options(broker.Port, "d1");
        options.KeepAlive = TimeSpan.FromSeconds(60);
        await using var client = new ReconnectingMqttClient(options, TimeProvider.System, new Random(42), NullLogger<ReconnectingMqttClient>.Instance, keepAliveClock: time);
        client.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.WaitUntilConnectedAsync(timeout.Token);
        int beforeAdvance = Volatile.Read(ref pings);

        for (var i = 0; i < 200 && Volatile.Read(ref pings) < 2; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, beforeAdvance);
        Assert.True(Volatile.Read(ref pings) >= 2, "no two pings after advancing the clock");
        Assert.True(client.IsConnected);
        Assert.Equal(1, Volatile.Read(ref connections));
    }

    [Fact]
    public async Task Unanswered_ping_drops_the_connection_and_the_client_reconnects()
    {
        int connections = 0;
        await using var broker = await InProcessBroker.StartAsync(server =>
        {
            // a broker that swallows PINGREQ behaves, for the client, like a dead link
            server.InterceptingInboundPacketAsync += args =>
            {
                if (args.Packet is MqttPingReqPacket)
                {
                    args.ProcessPacket = false;
                }

                return Task.CompletedTask;
            };
            server.ClientConnectedAsync += _ =>
            {
                Interlocked.Increment(ref connections);
                return Task.CompletedTask;
            };
        });
        var time = new FakeTimeProvider();
        var options = TransportFixtures.Options(broker.Port, "d1");
        options.KeepAlive = TimeSpan.FromSeconds(60);
        options.OperationTimeout = TimeSpan.FromSeconds(5);
        await using var client = new ReconnectingMqttClient(options, TimeProvider.System, new Random(42), NullLogger<ReconnectingMqttClient>.Instance, keepAliveClock: time);
        client.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.WaitUntilConnectedAsync(timeout.Token);

        for (var i = 0; i < 400 && Volatile.Read(ref connections) < 2; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.True(Volatile.Read(ref connections) >= 2, "the client did not reconnect after its ping went unanswered");
    }
}
