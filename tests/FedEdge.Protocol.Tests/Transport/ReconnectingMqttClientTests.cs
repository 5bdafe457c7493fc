using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace FedEdge.Protocol.Tests.Transport;

/// <summary>The reconnecting client against an in-process MQTTnet server.</summary>
public sealed class ReconnectingMqttClientTests
{
    private const string Topic = "fededge/v1/f/updates/d1";

    [Fact]
    public async Task PublishAsync_returns_after_the_broker_received_the_payload_bit_exact()
    {
        var seen = new ConcurrentQueue<byte[]>();
        await using var broker = await InProcessBroker.StartAsync(server => server.InterceptingPublishAsync += args =>
        {
            seen.Enqueue(args.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        });
        await using var client = await TransportFixtures.ConnectedAsync(broker.Port, "d1");
        var payload = new byte[3000];
        new Random(1).NextBytes(payload);

        await client.PublishAsync(Topic, payload, retain: false, TestContext.Current.CancellationToken);

        Assert.Equal(payload, Assert.Single(seen));
    }

    [Fact]
    public async Task PublishAsync_throws_PublishRejectedException_with_the_PUBACK_reason_code()
    {
        await using var broker = await InProcessBroker.StartAsync(server => server.InterceptingPublishAsync += args =>
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return Task.CompletedTask;
        });
        await using var client = await TransportFixtures.ConnectedAsync(broker.Port, "d1");

        var exception = await Assert.ThrowsAsync<PublishRejectedException>(
            () => client.PublishAsync(Topic, new byte[] { 1 }, retain: false, TestContext.Current.CancellationToken));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, exception.ReasonCode);
    }

    [Fact]
    public async Task PublishAsync_reports_no_matching_subscribers()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var client = await TransportFixtures.ConnectedAsync(broker.Port, "d1");

        var acknowledgement = await client.PublishAsync(Topic, new byte[] { 1 }, retain: false, TestContext.Current.CancellationToken);

        Assert.True(acknowledgement.NoMatchingSubscribers);
    }

    [Fact]
    public async Task Client_resubscribes_after_the_broker_restarted_without_its_session()
    {
        var ct = TestContext.Current.CancellationToken;
        using var subscribed = new SemaphoreSlim(0);
        await using var broker = await InProcessBroker.StartAsync(server => server.ClientSubscribedTopicAsync += args =>
        {
            if (args.ClientId == "aggregator")
            {
                subscribed.Release();
            }

            return Task.CompletedTask;
        });
        await using var receiver = await TransportFixtures.ConnectedAsync(broker.Port, "aggregator", 16, "fededge/v1/f/updates/+");
        await using var sender = await TransportFixtures.ConnectedAsync(broker.Port, "d1");
        Assert.True(await subscribed.WaitAsync(TimeSpan.FromSeconds(10), ct));

        await broker.StopAsync();
        await broker.StartAgainAsync();
        Assert.True(await subscribed.WaitAsync(TimeSpan.FromSeconds(10), ct)); // on the fresh server, which has no sessions
        await PublishUntilAcknowledgedAsync(sender, "after restart"u8.ToArray(), ct);
        var message = await TransportFixtures.NextAsync(receiver);

        Assert.Equal("after restart"u8.ToArray(), message.Payload.ToArray());
    }

    [Fact]
    public async Task Inbound_message_is_acknowledged_only_when_the_consumer_calls_AcknowledgeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var acknowledged = 0;
        await using var broker = await InProcessBroker.StartAsync(server => server.ClientAcknowledgedPublishPacketAsync += args =>
        {
            if (args.ClientId == "aggregator")
            {
                Interlocked.Increment(ref acknowledged);
            }

            return Task.CompletedTask;
        });
        await using var receiver = await TransportFixtures.ConnectedAsync(broker.Port, "aggregator", 16, "fededge/v1/f/updates/+");
        await using var sender = await TransportFixtures.ConnectedAsync(broker.Port, "d1");
        await sender.PublishAsync(Topic, new byte[] { 7 }, retain: false, ct);
        var message = await TransportFixtures.NextAsync(receiver);

        // The round trip of a second publish by the same sender orders after the first delivery; still no PUBACK.
        await sender.PublishAsync("fededge/v1/f/pace", new byte[] { 0 }, retain: false, ct);
        var before = Volatile.Read(ref acknowledged);
        await message.AcknowledgeAsync(ct);
        await WaitUntilAsync(() => Volatile.Read(ref acknowledged) == 1);

        Assert.Equal(0, before);
    }

    [Fact]
    public async Task Inbound_channel_holds_at_most_its_capacity_and_loses_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Capacity = 2, Messages = 12;
        await using var broker = await InProcessBroker.StartAsync();
        await using var receiver = await TransportFixtures.ConnectedAsync(broker.Port, "aggregator", Capacity, "fededge/v1/f/updates/+");
        await using var sender = await TransportFixtures.ConnectedAsync(broker.Port, "d1");
        for (var i = 0; i < Messages; i++)
        {
            await sender.PublishAsync(Topic, new[] { (byte)i }, retain: false, ct);
        }

        var received = new List<byte>();
        var maxQueued = 0;
        while (received.Count < Messages)
        {
            maxQueued = Math.Max(maxQueued, receiver.Inbound.Count);
            var message = await TransportFixtures.NextAsync(receiver);
            received.Add(message.Payload.Span[0]);
            await message.AcknowledgeAsync(ct);
        }

        Assert.InRange(maxQueued, 0, Capacity);
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => (byte)i), received);
    }

    [Fact]
    public async Task Reconnect_attempts_wait_for_the_backoff_on_the_injected_clock()
    {
        // A TCP endpoint that accepts and immediately closes: every MQTT connect attempt fails.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var attempts = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var socket = await listener.AcceptSocketAsync(stop.Token);
                    Interlocked.Increment(ref attempts);
                }
            }
            catch (OperationCanceledException)
            {
                // Test finished.
            }
        }, TestContext.Current.CancellationToken);
        var time = new FakeTimeProvider();
        var options = TransportFixtures.Options(((IPEndPoint)listener.LocalEndpoint).Port, "d1");
        options.ReconnectBaseDelay = TimeSpan.FromSeconds(10);
        options.ReconnectMaxDelay = TimeSpan.FromSeconds(10);
        options.OperationTimeout = TimeSpan.FromSeconds(2);
        await using var client = TransportFixtures.Client(options, time);

        client.Start();
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1);
        var beforeAdvance = Volatile.Read(ref attempts);
        for (var i = 0; i < 50 && Volatile.Read(ref attempts) < 2; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        await accepting;
        Assert.Equal(1, beforeAdvance);
        Assert.True(Volatile.Read(ref attempts) >= 2);
    }

    [Fact]
    public async Task Losing_the_link_publishes_the_retained_last_will()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var proxy = new CuttableProxy(broker.Port);
        var options = TransportFixtures.Options(proxy.Port, "d1");
        options.LastWillTopic = "fededge/v1/f/status/d1";
        options.LastWillPayload = "offline"u8.ToArray();
        await using (var device = TransportFixtures.Client(options))
        {
            device.Start();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await device.WaitUntilConnectedAsync(timeout.Token);
            proxy.Cut();
            await proxy.DisposeAsync(); // no way back: the will is the last word
        }

        var will = await NextStatusAsync(broker.Port, "observer", 16);
        if (!will.Retain)
        {
            // the broker noticed the lost link only after the observer subscribed, so the will reached it live
            // (retain flag cleared, MQTT 5 §3.3.1.3); a subscriber that arrives now must get it from the retained store
            will = await NextStatusAsync(broker.Port, "observer-late", 17);
        }

        Assert.True(will.Retain);
        Assert.Equal("fededge/v1/f/status/d1", will.Topic);
        Assert.Equal("offline"u8.ToArray(), will.Payload.ToArray());
    }

    [Fact]
    public async Task Each_reconnect_counts_as_a_new_connection_and_wakes_whoever_waits_for_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await InProcessBroker.StartAsync();
        await using var client = await TransportFixtures.ConnectedAsync(broker.Port, "d1");
        Assert.Equal(1, client.Connections);
        Assert.True(client.WaitForConnectionAsync(0, ct).IsCompletedSuccessfully);
        var next = client.WaitForConnectionAsync(1, ct);
        Assert.False(next.IsCompleted);

        await broker.StopAsync();
        await broker.StartAgainAsync();

        await next.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(2, client.Connections);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task UnsubscribeAsync_stops_the_persistent_session_from_collecting_the_topic_while_the_client_is_away()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await InProcessBroker.StartAsync();
        await using (var leaving = await TransportFixtures.ConnectedAsync(broker.Port, "unsubscribed", 16, Topic))
        {
            await leaving.UnsubscribeAsync(Topic, ct);
        }

        // the control: the same session left subscribed
        var staying = await TransportFixtures.ConnectedAsync(broker.Port, "subscribed", 16, Topic);
        await staying.DisposeAsync();

        await using (var publisher = await TransportFixtures.ConnectedAsync(broker.Port, "publisher"))
        {
            for (byte i = 0; i < 3; i++)
            {
                await publisher.PublishAsync(Topic, new byte[] { i }, retain: false, ct);
            }
        }

        async Task<long> PendingAsync(string clientId) =>
            (await broker.Server.GetSessionsAsync()).Single(s => s.Id == clientId).PendingApplicationMessagesCount;
        await WaitUntilAsync(() => PendingAsync("subscribed").GetAwaiter().GetResult() == 3);
        Assert.Equal(0L, await PendingAsync("unsubscribed"));
    }

    [Fact]
    public async Task Subscriptions_added_before_connecting_go_to_the_broker_in_one_SUBSCRIBE_packet()
    {
        var ct = TestContext.Current.CancellationToken;
        var packets = new ConcurrentQueue<int>();
        await using var broker = await BrokerCountingFiltersAsync<MqttSubscribePacket>("device", p => p.TopicFilters.Count, packets);
        string[] topics = ["fededge/v1/f/model", "fededge/v1/f/pace", "fededge/v1/f/secagg-inbox/device"];
        await using var device = await TransportFixtures.ConnectedAsync(broker.Port, "device", 16, topics);
        await using var publisher = await TransportFixtures.ConnectedAsync(broker.Port, "publisher");
        for (byte i = 0; i < topics.Length; i++)
        {
            await publisher.PublishAsync(topics[i], new[] { i }, retain: false, ct);
        }

        var received = new List<string>();
        for (var i = 0; i < topics.Length; i++)
        {
            var message = await TransportFixtures.NextAsync(device);
            received.Add(message.Topic);
            await message.AcknowledgeAsync(ct);
        }

        Assert.Equal(3, Assert.Single(packets));
        Assert.Equal(topics, received);
    }

    [Fact]
    public async Task A_refused_filter_at_connect_leaves_the_others_subscribed_and_is_not_asked_again_after_a_reconnect()
    {
        var ct = TestContext.Current.CancellationToken;
        var asked = new ConcurrentQueue<string>();
        await using var broker = await InProcessBroker.StartAsync(server => server.InterceptingSubscriptionAsync += args =>
        {
            if (args.ClientId == "device")
            {
                asked.Enqueue(args.TopicFilter.Topic);
                if (args.TopicFilter.Topic == "fededge/v1/f/secagg-inbox/other")
                {
                    args.ProcessSubscription = false;
                    args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                }
            }

            return Task.CompletedTask;
        });
        await using var device = await TransportFixtures.ConnectedAsync(broker.Port, "device", 16, "fededge/v1/f/secagg-inbox/other", "fededge/v1/f/model");
        var first = device.Connections;
        var next = device.WaitForConnectionAsync(first, ct);

        await broker.StopAsync();
        await broker.StartAgainAsync();
        await next.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await using var publisher = await TransportFixtures.ConnectedAsync(broker.Port, "publisher");
        await publisher.PublishAsync("fededge/v1/f/model", new byte[] { 1 }, retain: false, ct);
        var message = await TransportFixtures.NextAsync(device);

        Assert.Equal("fededge/v1/f/model", message.Topic);
        Assert.Equal(["fededge/v1/f/secagg-inbox/other", "fededge/v1/f/model", "fededge/v1/f/model"], asked.ToArray());
    }

    [Fact]
    public async Task A_subscription_without_retained_replay_receives_only_what_is_published_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await InProcessBroker.StartAsync();
        await using var publisher = await TransportFixtures.ConnectedAsync(broker.Port, "publisher");
        await publisher.PublishAsync(Topic, "retained"u8.ToArray(), retain: true, ct);
        await using var replayed = TransportFixtures.Client(TransportFixtures.Options(broker.Port, "replayed"));
        await using var fresh = TransportFixtures.Client(TransportFixtures.Options(broker.Port, "fresh"));
        await replayed.SubscribeAsync(Topic, sendRetained: true, ct);
        await fresh.SubscribeAsync(Topic, sendRetained: false, ct);
        replayed.Start();
        fresh.Start();
        await replayed.WaitUntilConnectedAsync(ct);
        await fresh.WaitUntilConnectedAsync(ct);

        // the SUBACK came before this publish, so a retained message sent at subscribe time would be read first
        await publisher.PublishAsync(Topic, "later"u8.ToArray(), retain: false, ct);

        Assert.Equal("retained"u8.ToArray(), (await TransportFixtures.NextAsync(replayed)).Payload.ToArray());
        Assert.Equal("later"u8.ToArray(), (await TransportFixtures.NextAsync(fresh)).Payload.ToArray());
    }

    [Fact]
    public async Task UnsubscribeAsync_of_several_topics_sends_one_UNSUBSCRIBE_and_the_session_collects_none_of_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var packets = new ConcurrentQueue<int>();
        await using var broker = await BrokerCountingFiltersAsync<MqttUnsubscribePacket>("device", p => p.TopicFilters.Count, packets);
        string[] topics = ["fededge/v1/f/model", "fededge/v1/f/pace"];
        await using (var device = await TransportFixtures.ConnectedAsync(broker.Port, "device", 16, topics))
        {
            await device.UnsubscribeAsync(topics, ct);
        }

        // the control: a session left subscribed to both
        var staying = await TransportFixtures.ConnectedAsync(broker.Port, "control", 16, topics);
        await staying.DisposeAsync();

        await using (var publisher = await TransportFixtures.ConnectedAsync(broker.Port, "publisher"))
        {
            foreach (string topic in topics)
            {
                await publisher.PublishAsync(topic, new byte[] { 1 }, retain: false, ct);
            }
        }

        async Task<long> PendingAsync(string clientId) =>
            (await broker.Server.GetSessionsAsync()).Single(s => s.Id == clientId).PendingApplicationMessagesCount;
        await WaitUntilAsync(() => PendingAsync("control").GetAwaiter().GetResult() == 2);
        Assert.Equal(2, Assert.Single(packets));
        Assert.Equal(0L, await PendingAsync("device"));
    }

    /// <summary>A broker that records, for every <typeparamref name="TPacket"/> <paramref name="clientId"/> sends, its filter count.</summary>
    private static Task<InProcessBroker> BrokerCountingFiltersAsync<TPacket>(string clientId, Func<TPacket, int> filters, ConcurrentQueue<int> packets) =>
        InProcessBroker.StartAsync(server => server.InterceptingInboundPacketAsync += args =>
        {
            if (args.ClientId == clientId && args.Packet is TPacket packet)
            {
                packets.Enqueue(filters(packet));
            }

            return Task.CompletedTask;
        });

    private static async Task<ReceivedMessage> NextStatusAsync(int port, string clientId, int seed)
    {
        await using var observer = await TransportFixtures.ConnectedAsync(port, clientId, seed, "fededge/v1/f/status/+");
        return await TransportFixtures.NextAsync(observer);
    }

    /// <summary>What the outbox does: a publish cut off by the restart is repeated once the client reconnected.</summary>
    private static async Task PublishUntilAcknowledgedAsync(ReconnectingMqttClient client, byte[] payload, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.PublishAsync(Topic, payload, retain: false, ct);
                return;
            }
            catch (TransportUnavailableException) when (attempt < 20)
            {
                await Task.Delay(50, ct);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "condition not reached within 10 s");
    }
}
