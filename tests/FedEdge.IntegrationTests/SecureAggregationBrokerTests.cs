using System.Security.Cryptography;
using FedEdge.Aggregation.SecureAggregation;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.SecureAggregation;
using FedEdge.Device.SecureAggregation;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using MQTTnet;

namespace FedEdge.IntegrationTests;

/// <summary>
/// Secure aggregation through a real mosquitto with mutual TLS, one certificate per device and the production ACL:
/// N <see cref="SecAggParticipant"/>s and one <see cref="SecAggGroupCoordinator"/> exchange exactly the protocol's
/// messages on its topics (device → fededge/v1/{fleet}/secagg/{device}, aggregator → …/secagg-inbox/{device}), some
/// devices drop out (one before its shares, excluded; three before masking, unmasked around), and the released sum
/// is the survivors' exactly. The ACL keeps each inbox to its device.
/// </summary>
public sealed class SecureAggregationBrokerTests : IAsyncLifetime
{
    private const string Aggregator = "aggregator";
    private const int Bits = 16;
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Twelve_devices_and_the_coordinator_release_the_survivors_exact_sum_when_one_leaves_before_its_shares_and_three_before_masking()
    {
        const int N = 12, Dropping = 3;
        var ct = TestContext.Current.CancellationToken;
        var encoding = new DistributedDiscreteGaussianParameters(200, 1.0, 1e-3, Bits, DistributedDiscreteGaussianParameters.DefaultBeta, 8, N, 1.0);
        var options = new SecAggCoordinatorOptions
        {
            Fleet = TestClients.Fleet,
            GroupSize = N,
            Degree = 8,
            Threshold = 4,
            MinimumSurvivors = 8,
            Encoding = encoding,
            SharesTimeout = TimeSpan.FromSeconds(5), // the member without shares is excluded at this deadline
            MaskedInputTimeout = TimeSpan.FromSeconds(4), // the dropouts are detected at this deadline
            UnmaskTimeout = TimeSpan.FromSeconds(30),
        };
        string[] ids = [.. Enumerable.Range(0, N).Select(i => $"home-{i:D2}")];
        string excluded = ids[^1];
        var dropping = new HashSet<string>(ids.Take(Dropping), StringComparer.Ordinal);
        var random = new Random(12);
        Dictionary<string, ushort[]> inputs = ids.ToDictionary(
            id => id, _ => Enumerable.Range(0, encoding.PaddedDimension).Select(_ => (ushort)random.Next(1 << Bits)).ToArray(), StringComparer.Ordinal);

        await using ReconnectingMqttClient aggregator = await TestClients.ConnectAsync(_broker, Aggregator, 1, TopicScheme.AllSecAggFilter(TestClients.Fleet));
        using var rng = RandomNumberGenerator.Create();
        using var coordinator = new SecAggGroupCoordinator(options, rng, TimeProvider.System);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        done.CancelAfter(TimeSpan.FromSeconds(90));
        var refusals = new List<string>();
        Task<SecAggGroupOutcome> coordinatorLoop = RunCoordinatorAsync(aggregator, coordinator, refusals, done.Token);

        var participants = ids.Select(id => new SecAggParticipant(TestClients.Fleet, id, 1, new SecAggParticipantOptions(), RandomNumberGenerator.Create(), TimeProvider.System)).ToArray();
        SecAggParticipantState[] finalStates = await Task.WhenAll(ids.Select((id, i) => SecAggBrokerDevice.RunAsync(
            _broker, TestClients.Fleet, id, 10 + i, participants[i], p => p.SubmitEncoded(inputs[id]),
            leaveAt: id == excluded ? SecAggParticipantState.Joined : dropping.Contains(id) ? SecAggParticipantState.SharesReceived : null, done.Token)));
        foreach (var participant in participants)
        {
            participant.Dispose();
        }

        SecAggGroupOutcome outcome = await coordinatorLoop;

        Assert.True(outcome.Released, outcome.AbandonReason + Environment.NewLine + string.Join(Environment.NewLine, refusals));
        Assert.Equal(N - Dropping - 1, outcome.Survivors);
        var expected = new ushort[encoding.PaddedDimension];
        foreach (string id in ids.Where(id => !dropping.Contains(id) && id != excluded))
        {
            ModularVector.Accumulate(expected, inputs[id]);
        }

        ModularVector.Reduce(expected, Bits);
        Assert.Equal(expected, outcome.ModularSum);
        Assert.Empty(refusals);
        Assert.Equal(N - Dropping - 1, finalStates.Count(s => s == SecAggParticipantState.Answered));
        Assert.Equal(Dropping, finalStates.Count(s => s == SecAggParticipantState.SharesReceived));
        Assert.Equal(SecAggParticipantState.Joined, finalStates[^1]);
    }

    [Fact]
    public async Task A_device_reads_only_its_own_inbox_and_writes_only_its_own_secagg_topic()
    {
        var ct = TestContext.Current.CancellationToken;
        string ownInbox = TopicScheme.SecAggInbox(TestClients.Fleet, "home-a");
        await using ReconnectingMqttClient a = await TestClients.ConnectAsync(_broker, "home-a", 1, ownInbox);
        // mosquitto's acl_file grants any subscription and checks read access at delivery (see HostileDeviceTests).
        await using ReconnectingMqttClient b = await TestClients.ConnectAsync(_broker, "home-b", 2, ownInbox);
        await using ReconnectingMqttClient aggregator = await TestClients.ConnectAsync(_broker, Aggregator, 3, TopicScheme.AllSecAggFilter(TestClients.Fleet));

        await aggregator.PublishAsync(ownInbox, "for home-a"u8.ToArray(), retain: false, ct);
        ReceivedMessage received = await TestClients.NextAsync(a);
        await received.AcknowledgeAsync(ct);
        Assert.Equal(ownInbox, received.Topic);
        using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            quiet.CancelAfter(TimeSpan.FromSeconds(2));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await b.Inbound.ReadAsync(quiet.Token));
        }

        var forged = await Assert.ThrowsAsync<PublishRejectedException>(
            () => b.PublishAsync(TopicScheme.SecAgg(TestClients.Fleet, "home-a"), "join as home-a"u8.ToArray(), retain: false, ct));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        var intoInbox = await Assert.ThrowsAsync<PublishRejectedException>(
            () => b.PublishAsync(ownInbox, "a fake roster"u8.ToArray(), retain: false, ct));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, intoInbox.ReasonCode);

        await b.PublishAsync(TopicScheme.SecAgg(TestClients.Fleet, "home-b"), "its own"u8.ToArray(), retain: false, ct);
        ReceivedMessage own = await TestClients.NextAsync(aggregator);
        Assert.Equal(TopicScheme.SecAgg(TestClients.Fleet, "home-b"), own.Topic);
        await own.AcknowledgeAsync(ct);
    }

    /// <summary>The aggregator's loop: messages from the devices' secagg topics into the coordinator, its output to the inboxes, deadlines every 100 ms.</summary>
    private static async Task<SecAggGroupOutcome> RunCoordinatorAsync(
        ReconnectingMqttClient client, SecAggGroupCoordinator coordinator, List<string> refusals, CancellationToken ct)
    {
        while (true)
        {
            var steps = new List<SecAggCoordinatorStep>();
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                wait.CancelAfter(TimeSpan.FromMilliseconds(100));
                try
                {
                    ReceivedMessage message = await client.Inbound.ReadAsync(wait.Token);
                    Assert.True(TopicScheme.TryParse(message.Topic, out TopicAddress address, out string? reason), reason);
                    Assert.Equal(TopicKind.SecAgg, address.Kind);
                    SecAggCoordinatorStep step = coordinator.Receive(address.Device!, message.Payload.Span);
                    if (step.Rejection is { } refused)
                    {
                        refusals.Add($"{address.Device}: {refused}");
                    }

                    steps.Add(step);
                    await message.AcknowledgeAsync(ct);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // no message in 100 ms: apply the deadlines
                }
            }

            steps.Add(coordinator.Tick());
            foreach (SecAggCoordinatorStep step in steps)
            {
                foreach (SecAggOutbound outbound in step.Outbound)
                {
                    await client.PublishAsync(outbound.Topic, outbound.Message.ToByteArray(), retain: false, ct);
                }

                if (step.Outcomes.Count > 0)
                {
                    return Assert.Single(step.Outcomes);
                }
            }
        }
    }
}
