using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregation.State;
using FedEdge.Aggregator.Tests.Engine;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Aggregator.Tests.Node;

public sealed class AggregatorNodeTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingPublisher _publisher = new();
    private readonly List<AggregatorDecision> _decisions = [];
    private bool _connected = true;

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    private AggregatorNode Open(StrategyKind strategy)
    {
        var node = AggregatorNode.Open(
            EngineHarness.Options4x2(strategy), _dir.File("state.db"), new ModelSigner(_key), _publisher, _time, NullLoggerFactory.Instance, new AggregatorMetrics(), () => _connected);
        node.Decided += _decisions.Add;
        return node;
    }

    private Pace[] Paces() => [.. _publisher.Published.Where(p => p.Topic == TopicScheme.Pace(UpdateFactory.Fleet)).Select(p => Pace.Parser.ParseFrom(p.Payload))];

    private static InboundMessage Message(string topic, byte[] payload, List<string>? acknowledged = null) =>
        new(topic, payload, _ =>
        {
            acknowledged?.Add(topic);
            return Task.CompletedTask;
        });

    private InboundMessage Status(string device) =>
        Message(TopicScheme.Status(UpdateFactory.Fleet, device), new DeviceStatus
        {
            ProtocolMajor = ProtocolVersion.Major,
            DeviceId = device,
            Fleet = UpdateFactory.Fleet,
            State = DeviceState.Idle,
            MemoryBudgetBytes = 1 << 20,
            ComputeScore = 1,
            PowerSource = PowerSource.Mains,
            TimestampUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            MemoryClass = "pi4",
        }.ToByteArray());

    [Fact]
    public async Task The_first_call_publishes_the_model_and_the_pace_retained()
    {
        using var node = Open(StrategyKind.FedBuff);
        await node.ProcessAsync([], TestContext.Current.CancellationToken);

        Assert.Equal([TopicScheme.Model(UpdateFactory.Fleet), TopicScheme.Pace(UpdateFactory.Fleet)], _publisher.Published.Select(p => p.Topic));
        Assert.All(_publisher.Published, p => Assert.True(p.Retain));
        Assert.Equal(node.PacePayload.ToArray(), _publisher.Published[1].Payload);
    }

    [Fact]
    public async Task A_FedAvg_round_reopened_at_the_same_size_on_the_same_model_is_announced_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = Open(StrategyKind.FedAvg);
        await node.ProcessAsync([Status("a"), Status("b"), Status("c")], ct);
        await node.TickAsync(ct);
        var first = Paces()[^1];
        Assert.Equal(1ul, first.Round);

        // no update arrives: at the deadline round 1 is abandoned and round 2 opens for the same three devices
        _time.Advance(TimeSpan.FromMinutes(6));
        await node.TickAsync(ct);

        var reopened = Paces()[^1];
        Assert.Equal(2ul, reopened.Round);
        Assert.Equal(first.ModelVersion, reopened.ModelVersion);
        Assert.Equal(first.UpdatesWanted, reopened.UpdatesWanted);
    }

    [Fact]
    public async Task An_unchanged_pace_is_not_published_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = Open(StrategyKind.FedBuff);
        await node.ProcessAsync([], ct);
        int published = _publisher.Published.Count;

        await node.TickAsync(ct);
        await node.ProcessAsync([Status("a")], ct);

        Assert.Equal(published, _publisher.Published.Count);
    }

    [Fact]
    public async Task A_buffered_pace_is_published_once_per_model_version_not_on_every_accepted_update()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = Open(StrategyKind.FedBuff);
        await node.ProcessAsync([Status("a"), Status("b"), Status("c")], ct);
        Assert.Single(Paces());

        // K = 3: two accepted updates fill the buffer without a step; a device that saw the pace may take a quiet check-in
        await node.ProcessAsync([Message(UpdateFactory.Topic("a"), UpdateFactory.Bytes("a", 1, 1, [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f]))], ct);
        await node.ProcessAsync([Message(UpdateFactory.Topic("b"), UpdateFactory.Bytes("b", 2, 1, [0.2f, 0.1f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f]))], ct);
        Assert.Single(Paces());

        // the third steps: model version 2 and its pace, still asking for K
        await node.ProcessAsync([Message(UpdateFactory.Topic("c"), UpdateFactory.Bytes("c", 3, 1, [0.3f, 0.2f, 0.1f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f]))], ct);
        var paces = Paces();
        Assert.Equal([1ul, 2ul], paces.Select(p => p.ModelVersion));
        Assert.All(paces, p => Assert.Equal(3u, p.UpdatesWanted));
    }

    [Fact]
    public async Task Messages_are_acknowledged_after_the_update_they_carry_is_persisted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = Open(StrategyKind.FedBuff);
        var persistedAtAck = new List<bool>();
        byte[] payload = UpdateFactory.Bytes("a", 1, 1, [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f]);
        var update = new InboundMessage(UpdateFactory.Topic("a"), payload, _ =>
        {
            using var store = AggregatorStateStore.Open(_dir.File("state.db"));
            persistedAtAck.Add(store.IsSeen(UpdateFactory.Id(1)));
            return Task.CompletedTask;
        });

        var outcomes = await node.ProcessAsync([update], ct);

        Assert.Equal([true], persistedAtAck);
        Assert.Equal(TopicKind.Updates, outcomes[0].Kind);
        Assert.Contains(_decisions, d => d is { Kind: AggregatorDecisionKind.UpdateAccepted, Device: "a", ModelVersion: 1 });
    }

    [Fact]
    public async Task A_message_on_a_topic_outside_the_scheme_is_acknowledged_and_decided_as_a_rejection()
    {
        var acknowledged = new List<string>();
        using var node = Open(StrategyKind.FedBuff);

        var outcomes = await node.ProcessAsync([Message("fededge/v1/home/updates/bad device", [1, 2, 3], acknowledged)], TestContext.Current.CancellationToken);

        Assert.Null(outcomes[0].Kind);
        Assert.Equal(["fededge/v1/home/updates/bad device"], acknowledged);
        Assert.Contains(_decisions, d => d is { Kind: AggregatorDecisionKind.UpdateRejected, Detail: "UnexpectedTopic" });
    }

    [Fact]
    public async Task Nothing_is_published_while_disconnected_and_everything_pending_goes_out_at_the_next_call()
    {
        var ct = TestContext.Current.CancellationToken;
        _connected = false;
        using var node = Open(StrategyKind.FedBuff);
        await node.ProcessAsync([], ct);
        Assert.Empty(_publisher.Published);

        _connected = true;
        await node.TickAsync(ct);

        Assert.Equal([TopicScheme.Model(UpdateFactory.Fleet), TopicScheme.Pace(UpdateFactory.Fleet)], _publisher.Published.Select(p => p.Topic));
    }
}
