using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregation.Privacy;
using FedEdge.Agent.Tests.Privacy;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Privacy;
using FedEdge.Device.SecureAggregation;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.SecureAggregation;

/// <summary>
/// A real <see cref="AggregatorNode"/> in <see cref="FleetDpMode.Distributed"/> and N <see cref="SecAggParticipant"/>s
/// driven by the test through the same wire messages the MQTT drivers carry: device messages go in as
/// <see cref="InboundMessage"/>s on <c>secagg/{device}</c>, the node's inbox publications come back out of its publisher.
/// </summary>
public sealed class DistributedAggregatorNodeTests : IDisposable
{
    private const string Fleet = "home-fleet";
    private const int N = 10;
    private const double ClipNorm = 1.0;
    private const double Z = 0.5;
    private const double Delta = 1e-5;

    private readonly string _dir = Directory.CreateTempSubdirectory("fededge-secagg-node-").FullName;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly SecAggWire.Publisher _publisher = new();
    private readonly SeededRandomNumberGenerator _rng = new(41);
    private readonly WireParser _parser = new();
    private readonly List<AggregatorDecision> _decisions = [];

    public void Dispose()
    {
        _rng.Dispose();
        _key.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    // z = 0.5 is a test noise level, one round of which costs more than a real budget: the aggregator's ledger admits it
    // unless a test sets the budget
    private static AggregationEngineOptions Options(double epsilon = 1e6) => new()
    {
        Fleet = Fleet,
        Architecture = "mlp-14-32-5",
        Strategy = StrategyKind.FedBuff,
        BufferSize = N,
        ServerLearningRate = 1.0,
        Privacy = new FleetPrivacyOptions { Mode = FleetDpMode.Distributed, ClipNorm = ClipNorm, NoiseMultiplier = Z, SecAggMinimumSurvivorFraction = 0.7, Epsilon = epsilon, Delta = Delta },
    };

    private AggregatorNode Open(double epsilon = 1e6)
    {
        var node = AggregatorNode.Open(Options(epsilon), Path.Combine(_dir, "state.db"), new ModelSigner(_key), _publisher, _time, NullLoggerFactory.Instance, new AggregatorMetrics());
        node.Decided += _decisions.Add;
        return node;
    }

    private static InboundMessage Inbound(string topic, byte[] payload) => new(topic, payload, _ => Task.CompletedTask);

    /// <summary>Hands every device message to the node and every inbox publication to its participant until nothing moves.</summary>
    private async Task PumpAsync(
        AggregatorNode node, SecAggParticipant[] devices, string[] ids, HashSet<int> offline, List<(int Device, SecAggDeviceMessage Message)> outgoing, List<InboundMessage>? sent = null)
    {
        var ct = TestContext.Current.CancellationToken;
        while (true)
        {
            if (outgoing.Count > 0)
            {
                var batch = outgoing.Where(o => !offline.Contains(o.Device)).Select(o => Inbound(TopicScheme.SecAgg(Fleet, ids[o.Device]), o.Message.ToByteArray())).ToList();
                outgoing.Clear();
                sent?.AddRange(batch);
                foreach (var outcome in await node.ProcessAsync(batch, ct))
                {
                    Assert.Equal(TopicKind.SecAgg, outcome.Kind);
                }
            }

            var delivered = _publisher.TakeInboxes();
            if (delivered.Count == 0 && outgoing.Count == 0)
            {
                return;
            }

            foreach (var (topic, payload, retain) in delivered)
            {
                Assert.False(retain);
                Assert.True(TopicScheme.TryParse(topic, out var address, out _));
                int i = Array.IndexOf(ids, address.Device);
                if (offline.Contains(i))
                {
                    continue;
                }

                SecAggParticipantStep step = devices[i].Receive(payload, _parser);
                Assert.True(step.Accepted, step.Rejection);
                if (step.Outgoing is { } message)
                {
                    outgoing.Add((i, message));
                }
            }
        }
    }

    /// <summary>Publishes the first model, and N participants join it and exchange their shares through the node.</summary>
    private async Task<(long Version, float[] Before, SecAggParticipant[] Devices, string[] Ids, List<(int Device, SecAggDeviceMessage Message)> Outgoing, HashSet<int> Offline)> FormGroupAsync(
        AggregatorNode node, Func<int, double>? samplingRate = null)
    {
        await node.ProcessAsync([], TestContext.Current.CancellationToken);
        long version = node.Engine.CurrentVersion;
        float[] before = node.Engine.Global.Buffer.ToArray();
        var (devices, ids) = Participants((ulong)version, samplingRate);
        var outgoing = devices.Select((d, i) => (i, d.Join())).ToList();
        var offline = new HashSet<int>();
        await PumpAsync(node, devices, ids, offline, outgoing);
        return (version, before, devices, ids, outgoing, offline);
    }

    private static float[][] Updates(int dimension, int seed)
    {
        // norms around 1.5 for half of them: the device's clip to S = 1 matters
        var random = new Random(seed);
        return [.. Enumerable.Range(0, N).Select(i => Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() - 0.5) * (i % 2 == 0 ? 0.2 : 0.05))).ToArray())];
    }

    private (SecAggParticipant[] Devices, string[] Ids) Participants(ulong version, Func<int, double>? samplingRate = null)
    {
        string[] ids = [.. Enumerable.Range(0, N).Select(i => $"device-{i:D2}")];
        return ([.. ids.Select((id, i) => Participant(id, version, samplingRate?.Invoke(i) ?? 1.0))], ids);
    }

    private SecAggParticipant Participant(string id, ulong version, double samplingRate) =>
        new(Fleet, id, version, new SecAggParticipantOptions { MinimumNoiseMultiplier = Z, SamplingRate = samplingRate }, _rng, _time);

    /// <summary>Every participant but the <paramref name="offline"/> ones hands in an update; the group is pumped to its end (past the masked-input deadline when some are offline).</summary>
    private async Task CompleteAsync(
        AggregatorNode node, SecAggParticipant[] devices, string[] ids, HashSet<int> offline, List<(int Device, SecAggDeviceMessage Message)> outgoing, List<InboundMessage>? sent = null)
    {
        float[][] updates = Updates(node.Engine.Architecture.Layout.TotalLength, seed: 47);
        for (int i = 0; i < N; i++)
        {
            if (!offline.Contains(i))
            {
                var step = devices[i].SubmitUpdate(updates[i]);
                Assert.True(step.Accepted, step.Rejection);
                outgoing.Add((i, step.Outgoing!));
            }
        }

        await PumpAsync(node, devices, ids, offline, outgoing, sent);
        if (offline.Count > 0)
        {
            _time.Advance(node.SecAggOptions!.SharesTimeout + node.SecAggOptions.MaskedInputTimeout + TimeSpan.FromSeconds(1));
            await node.TickAsync(TestContext.Current.CancellationToken);
            await PumpAsync(node, devices, ids, offline, outgoing, sent);
        }
    }

    [Fact]
    public async Task A_group_completed_over_the_wire_moves_the_global_model_by_its_decoded_mean()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = Open();
        var (version, before, devices, ids, outgoing, offline) = await FormGroupAsync(node);
        Assert.Contains(TopicScheme.AllSecAggFilter(Fleet), node.Subscriptions);
        Assert.All(devices, d => Assert.Equal(SecAggParticipantState.SharesReceived, d.State));

        var encoding = devices[0].Encoding!;
        float[][] updates = Updates(before.Length, seed: 41);
        Assert.Contains(updates, u => Math.Sqrt(u.Sum(v => (double)v * v)) > ClipNorm);
        for (int i = 0; i < N; i++)
        {
            var step = devices[i].SubmitUpdate(updates[i]);
            Assert.True(step.Accepted, step.Rejection);
            outgoing.Add((i, step.Outgoing!));
        }

        await PumpAsync(node, devices, ids, offline, outgoing);

        Assert.Equal(version + 1, node.Engine.CurrentVersion);
        Assert.Contains(_decisions, d => d.Kind == AggregatorDecisionKind.SecAggGroupReleased);
        Assert.Equal(0, node.OpenSecAggGroups);
        Assert.Contains(_publisher.Published, p => p.Topic == TopicScheme.Model(Fleet) && GlobalModel.Parser.ParseFrom(p.Payload).Version == (ulong)version + 1);

        // FedBuff on one group of K at staleness 0 with η = 1: the model moves by the mean. Noise on the mean per coordinate
        // (rotation orthogonal): γ·√(N·σ² + N·(rounding variance ≤ 1/4))/N; every coordinate within 6 of these.
        float[] after = node.Engine.Global.Buffer.ToArray();
        double[][] clipped = [.. updates.Select(u => SecAggWire.Clipped(u, ClipNorm))];
        double sd = encoding.Gamma * Math.Sqrt(N * (encoding.LocalVariance + 0.25)) / N;
        double[] errors = [.. Enumerable.Range(0, before.Length).Select(j => after[j] - before[j] - clipped.Average(u => u[j]))];
        double worst = errors.Max(Math.Abs);
        Assert.True(worst < 6 * sd, $"worst error {worst:G4} ≥ 6 × {sd:G4}");

        // and the noise is there at the calibrated level (not a plain mean in disguise): RMS error ≥ 0.6 × the DDGauss part alone
        double spread = Math.Sqrt(errors.Average(e => e * e));
        Assert.InRange(spread, 0.6 * encoding.Gamma * Math.Sqrt(N * encoding.LocalVariance) / N, 1.4 * sd);
        foreach (var device in devices)
        {
            device.Dispose();
        }
    }

    [Fact]
    public async Task A_group_below_its_minimum_of_survivors_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = Open();
        var (version, before, devices, ids, outgoing, offline) = await FormGroupAsync(node);

        // n_min = ⌈0.7 · 10⌉ = 7: four devices go silent before masking, six masked inputs arrive
        Assert.Equal(7, node.SecAggOptions!.MinimumSurvivors);
        offline.UnionWith([0, 1, 2, 3]);
        float[][] updates = Updates(before.Length, seed: 43);
        for (int i = 4; i < N; i++)
        {
            var step = devices[i].SubmitUpdate(updates[i]);
            Assert.True(step.Accepted, step.Rejection);
            outgoing.Add((i, step.Outgoing!));
        }

        await PumpAsync(node, devices, ids, offline, outgoing);
        Assert.Equal(1, node.OpenSecAggGroups);

        // past the masked-input deadline (the members have not expired yet): the node's tick applies it
        _time.Advance(node.SecAggOptions.SharesTimeout + node.SecAggOptions.MaskedInputTimeout + TimeSpan.FromSeconds(1));
        Assert.False(await node.TickAsync(ct));
        await PumpAsync(node, devices, ids, offline, outgoing);

        Assert.Equal(0, node.OpenSecAggGroups);
        Assert.Equal(version, node.Engine.CurrentVersion);
        Assert.Equal(before, node.Engine.Global.Buffer.ToArray());
        Assert.Contains(_decisions, d => d.Kind == AggregatorDecisionKind.SecAggGroupAbandoned);
        Assert.DoesNotContain(_decisions, d => d.Kind == AggregatorDecisionKind.SecAggGroupReleased);
        Assert.All(devices.Skip(4), d => Assert.Equal(SecAggParticipantState.Abandoned, d.State));
        foreach (var device in devices)
        {
            device.Dispose();
        }
    }

    [Fact]
    public async Task A_plain_update_is_refused_in_distributed_mode()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = Open();
        await node.ProcessAsync([], ct);
        var update = new ModelUpdate { ProtocolMajor = ProtocolVersion.Major, DeviceId = "device-00", Fleet = Fleet, BaseModelVersion = 1, SampleCount = 5 };
        var outcome = Assert.Single(await node.ProcessAsync([Inbound(TopicScheme.Updates(Fleet, "device-00"), update.ToByteArray())], ct));

        Assert.Equal(RejectionReason.SecureAggregationRequired, outcome.Intake!.Verdict.Reason);
        Assert.Contains(_decisions, d => d.Kind == AggregatorDecisionKind.UpdateRejected && d.Detail == nameof(RejectionReason.SecureAggregationRequired));
        Assert.Equal(0, node.Engine.BufferCount);
    }

    [Fact]
    public async Task Each_member_whose_input_is_in_a_released_sum_is_charged_one_round_at_its_declared_rate_once_across_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        double Rate(int i) => i % 2 == 0 ? 0.1 : 0.25;
        var sent = new List<InboundMessage>();
        SecAggParticipant[] devices;
        string[] ids;
        var charged = new Dictionary<string, double[]?>(StringComparer.Ordinal);
        using (var node = Open(epsilon: 1e6))
        {
            (_, _, devices, ids, var outgoing, var offline) = await FormGroupAsync(node, Rate);

            // two members drop before masking: 8 ≥ n_min = 7 survive, and only they are in the sum
            offline.UnionWith([0, 1]);
            await CompleteAsync(node, devices, ids, offline, outgoing, sent);
            Assert.Contains($"survivors {N - 2}/{N}", Assert.Single(_decisions, d => d.Kind == AggregatorDecisionKind.SecAggGroupReleased).Detail, StringComparison.Ordinal);

            foreach (string id in ids)
            {
                charged[id] = node.Engine.PrivacyCurve(id);
            }
        }

        Assert.Null(charged[ids[0]]);
        Assert.Null(charged[ids[1]]);
        for (int i = 2; i < N; i++)
        {
            // one subsampled Gaussian step at (q_i, z), against MTZ19's binomial expansion written in the test, at every
            // integer order of the ledger's grid; relative 1e-9
            double[] curve = charged[ids[i]]!;
            for (int o = 0; o < RdpAccountant.DefaultOrders.Count; o++)
            {
                double alpha = RdpAccountant.DefaultOrders[o];
                if (alpha == Math.Floor(alpha) && alpha <= 1024)
                {
                    double expected = SubsampledGaussianReference.Rdp(Rate(i), Z, (int)alpha);
                    Assert.True(Math.Abs(curve[o] - expected) <= 1e-9 * expected, $"{ids[i]} at α = {alpha}: {curve[o]:R}, expected {expected:R}");
                }
            }
        }

        // a restart: the curves are what was committed, and the group's messages redelivered (e.g. never acknowledged)
        // find no group, release nothing and charge nothing
        _decisions.Clear();
        using (var restarted = Open(epsilon: 1e6))
        {
            long version = restarted.Engine.CurrentVersion;
            await restarted.ProcessAsync(sent.TakeLast(N - 2).ToList(), ct);
            Assert.Equal(version, restarted.Engine.CurrentVersion);
            Assert.DoesNotContain(_decisions, d => d.Kind == AggregatorDecisionKind.SecAggGroupReleased);
            Assert.Equal(N - 2, _decisions.Count(d => d.Kind == AggregatorDecisionKind.SecAggRefused));
            foreach (string id in ids)
            {
                Assert.Equal(charged[id], restarted.Engine.PrivacyCurve(id));
            }
        }

        foreach (var device in devices)
        {
            device.Dispose();
        }
    }

    [Fact]
    public async Task A_device_whose_budget_is_spent_is_refused_before_it_joins_a_group_and_told_why()
    {
        var ct = TestContext.Current.CancellationToken;

        // a budget for one released group at q = 1, not two (ε from the reference accountant of the test)
        double one = SubsampledGaussianReference.Epsilon(1.0, Z, 1, Delta).Epsilon;
        double two = SubsampledGaussianReference.Epsilon(1.0, Z, 2, Delta).Epsilon;
        using var node = Open(epsilon: (one + two) / 2);
        var (version, _, devices, ids, outgoing, offline) = await FormGroupAsync(node);
        await CompleteAsync(node, devices, ids, offline, outgoing);
        Assert.Equal(version + 1, node.Engine.CurrentVersion);
        double spent = node.Engine.PrivacySpent(ids[0]);
        Assert.InRange(spent, 0.9 * one, one * (1 + 1e-9));
        double[] before = node.Engine.PrivacyCurve(ids[0])!;

        using var again = Participant(ids[0], (ulong)version + 1, 1.0);
        var join = Inbound(TopicScheme.SecAgg(Fleet, ids[0]), again.Join().ToByteArray());
        _decisions.Clear();
        await node.ProcessAsync([join], ct);

        var refused = Assert.Single(_decisions, d => d.Kind == AggregatorDecisionKind.SecAggRefused);
        Assert.Equal(ids[0], refused.Device);
        Assert.Contains(nameof(RejectionReason.PrivacyBudgetExceeded), refused.Detail, StringComparison.Ordinal);
        Assert.Equal(0, node.OpenSecAggGroups);
        var told = Assert.Single(_publisher.TakeInboxes());
        Assert.Equal(TopicScheme.SecAggInbox(Fleet, ids[0]), told.Topic);
        Assert.True(again.Receive(told.Payload, _parser).Accepted);
        Assert.Equal(SecAggParticipantState.Abandoned, again.State);
        Assert.Contains(nameof(RejectionReason.PrivacyBudgetExceeded), again.EndReason, StringComparison.Ordinal);
        Assert.Equal(before, node.Engine.PrivacyCurve(ids[0]));
        foreach (var device in devices)
        {
            device.Dispose();
        }
    }

    [Fact]
    public void FedAvg_is_refused_in_distributed_mode_with_a_clear_error()
    {
        var options = Options();
        options.Strategy = StrategyKind.FedAvg;
        var error = Assert.Throws<ArgumentException>(() => StrategyFactory.Create(options));
        Assert.Contains("FedAvg", error.Message, StringComparison.Ordinal);
    }
}
