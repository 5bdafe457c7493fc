using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using FedEdge.Agent.Tests.Contribution;
using FedEdge.Aggregation.Engine;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Codecs;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregation.Privacy;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Models;
using FedEdge.Device.Privacy;
using FedEdge.Device.SecureAggregation;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.SecureAggregation;

/// <summary>
/// <c>Agent:Privacy:Mode = Distributed</c> through <see cref="DeviceAgent"/>: the coin, local training, the update handed to
/// the agent's participant instead of local noise and the outbox, its messages taken and inbox messages fed as the MQTT
/// driver does — in one group with nine bare participants and a real <see cref="AggregatorNode"/> in distributed mode.
/// </summary>
public sealed class DistributedDeviceAgentTests : IDisposable
{
    private const string Fleet = "home";
    private const string Device = "dev-1";
    private const int N = 10;
    // little noise (and a budget to match), so that the device's own update is visible in the group's mean
    private const double Z = 0.02;

    private readonly TempDirectory _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly SecAggWire.Publisher _publisher = new();
    private readonly SeededRandomNumberGenerator _rng = new(51);
    private readonly WireParser _parser = new();

    public void Dispose()
    {
        _rng.Dispose();
        _key.Dispose();
        _dir.Dispose();
    }

    private AgentOptions AgentOptions(double checkInRate) => new()
    {
        DeviceId = Device,
        Fleet = Fleet,
        StateDirectory = Path.Combine(_dir.Path, "device"),
        Eligibility = new() { PowerStableFor = TimeSpan.Zero, IdleFor = TimeSpan.Zero },
        Training = new() { MinSamples = 10 },
        Privacy = new PrivacyOptions { Mode = ContributionPrivacy.Distributed, ClipNorm = 1.0, NoiseMultiplier = Z, Epsilon = 1e5, CheckInRate = checkInRate },
    };

    private AggregatorNode OpenNode(StrategyKind strategy = StrategyKind.FedBuff, long defaultMemoryBudgetBytes = 256 * 1024) => AggregatorNode.Open(
        new AggregationEngineOptions
        {
            Fleet = Fleet,
            Architecture = "logreg-14-5",
            Strategy = strategy,
            DefaultMemoryBudgetBytes = defaultMemoryBudgetBytes,
            BufferSize = N,
            Privacy = new FleetPrivacyOptions { Mode = FleetDpMode.Distributed, ClipNorm = 1.0, NoiseMultiplier = Z, Epsilon = 1e5 }, // the devices' budget
        },
        Path.Combine(_dir.Path, "aggregator.db"), new ModelSigner(_key), _publisher, _time, NullLoggerFactory.Instance, new AggregatorMetrics());

    private static DeviceSignals Plugged() => new(Idle: true, Power: PowerState.Charging, TemperatureCelsius: 40, SamplesAvailable: 200);

    [Fact]
    public async Task A_distributed_device_hands_its_update_to_secure_aggregation_and_its_group_moves_the_model()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = OpenNode();
        var released = new List<AggregatorDecision>();
        node.Decided += d => released.AddRange(d.Kind == AggregatorDecisionKind.SecAggGroupReleased ? [d] : []);
        await node.ProcessAsync([], ct);
        var model = GlobalModel.Parser.ParseFrom(_publisher.Take(p => p.Topic == TopicScheme.Model(Fleet)).Single().Payload);
        float[] before = node.Engine.Global.Buffer.ToArray();

        // q = 1 − 1e-9: the coin says yes except with probability 1e-9
        var randomness = new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1), RandomNumberGenerator.Create());
        using var agent = DeviceAgent.Open(AgentOptions(0.999999999), PinnedModelKey.FromKey(_key), randomness, _time, NullLoggerFactory.Instance);
        var decisions = new List<DeviceDecision>();
        agent.Decided += decisions.Add;
        Assert.Equal(ModelOffer.Installed, agent.Offer(model));
        Assert.True(agent.Evaluate(Plugged()).Eligible);

        var result = await agent.ContributeAsync(ContributionFixture.Samples(), () => true, ct);

        Assert.Equal(ContributionOutcome.HandedToSecureAggregation, result.Outcome);
        double[] own = SecAggWire.Clipped(result.Delta!); // the agent erases its copy once the participant has encoded it
        Assert.Empty(await agent.Outbox.PeekOldestAsync(10, ct)); // no plain update, not even queued
        Assert.Equal([MechanismKind.CheckInOffer, MechanismKind.CheckInJoin], agent.Ledger.Entries.Select(e => e.Kind));
        Assert.Equal(SecAggParticipantState.Joined, agent.SecureAggregationState);
        var busy = agent.Evaluate(Plugged());
        Assert.False(busy.Eligible);
        Assert.Contains("secure-aggregation group", busy.ToString(), StringComparison.Ordinal);

        // nine other members, the same wire
        string[] ids = [Device, .. Enumerable.Range(2, N - 1).Select(i => $"dev-{i}")];
        var others = ids.Skip(1).Select(id => new SecAggParticipant(Fleet, id, model.Version, new SecAggParticipantOptions { MinimumNoiseMultiplier = Z }, _rng, _time)).ToArray();
        var outgoing = new List<(string Device, SecAggDeviceMessage Message)>();
        outgoing.AddRange(agent.TakeSecureAggregationMessages().Select(m => (Device, m)));
        Assert.Equal(0.999999999, Assert.Single(outgoing).Message.Join.SamplingRate); // the rate its offers are charged at, for the aggregator's ledger
        var random = new Random(51);
        float[][] updates = [.. others.Select(_ => Enumerable.Range(0, before.Length).Select(_ => (float)((random.NextDouble() - 0.5) * 0.2)).ToArray())];
        await CompleteGroupAsync(node, agent, ids, others, outgoing, updates);

        Assert.Equal((long)model.Version + 1, node.Engine.CurrentVersion);
        Assert.Contains($"survivors {N}/{N}", Assert.Single(released).Detail, StringComparison.Ordinal);
        Assert.Null(agent.SecureAggregationState); // answered, secrets erased
        Assert.Contains(decisions, d => d.Kind == DeviceDecisionKind.SecureAggregationJoined && d.ModelVersion == model.Version);
        Assert.Contains(decisions, d => d.Kind == DeviceDecisionKind.SecureAggregationEnded && d.Detail.StartsWith(nameof(SecAggParticipantState.Answered), StringComparison.Ordinal));

        // the model moved by the mean of the ten clipped updates, the device's own included, within 6 noise SDs per coordinate
        var encoding = others[0].Encoding!;
        double[][] clipped = [own, .. updates.Select(u => SecAggWire.Clipped(u))];
        double sd = encoding.Gamma * Math.Sqrt(N * (encoding.LocalVariance + 0.25)) / N;
        float[] after = node.Engine.Global.Buffer.ToArray();
        double worst = Enumerable.Range(0, before.Length).Max(j => Math.Abs(after[j] - before[j] - clipped.Average(u => u[j])));
        Assert.True(worst < 6 * sd, $"worst error {worst:G4} ≥ 6 × {sd:G4}");
        double without = Math.Sqrt(Enumerable.Range(0, before.Length).Sum(j => Math.Pow(after[j] - before[j] - (clipped.Skip(1).Sum(u => u[j]) / N), 2)));
        double with = Math.Sqrt(Enumerable.Range(0, before.Length).Sum(j => Math.Pow(after[j] - before[j] - clipped.Average(u => u[j]), 2)));

        // the device's own trained update is in the mean: leaving it out fits the model's move far worse (with ≈ √d·sd)
        Assert.True(without > 2 * with, $"error with the device's update {with:G4}, without {without:G4}, ‖own‖/N = {Math.Sqrt(own.Sum(v => v * v)) / N:G4}");
        foreach (var participant in others)
        {
            participant.Dispose();
        }
    }

    [Fact]
    public async Task Under_FTTE_a_distributed_device_trains_its_subset_names_it_in_its_join_and_each_coordinate_moves_by_the_mean_of_those_that_trained_it()
    {
        var ct = TestContext.Current.CancellationToken;
        // a budget that holds 30 of the 75 coordinates, 25 of W and b's 5 with their gradient copies: the aggregator
        // assigns a subset to the fleet
        var layout = FedEdge.Core.Models.ModelArchitecture.Parse("logreg-14-5").Layout;
        long budget = TrainingMemoryModel.Default.RequiredBytes(layout, ParameterSubset.For(layout, [.. Enumerable.Range(45, 30)]));
        using var node = OpenNode(StrategyKind.Ftte, budget);
        await node.ProcessAsync([], ct);
        var model = GlobalModel.Parser.ParseFrom(_publisher.Take(p => p.Topic == TopicScheme.Model(Fleet)).Single().Payload);
        Assert.True(SubsetIndexCoding.TryToSubset(Assert.Single(model.Subsets), layout.TotalLength, out var subset, out string? error), error);
        Assert.NotNull(subset);
        bool[] inSubset = new bool[layout.TotalLength];
        foreach (int index in subset.Indices)
        {
            inSubset[index] = true;
        }

        Assert.InRange(subset.Count, 10, 40);
        float[] before = node.Engine.Global.Buffer.ToArray();

        var randomness = new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1), RandomNumberGenerator.Create());
        using var agent = DeviceAgent.Open(AgentOptions(1.0), PinnedModelKey.FromKey(_key), randomness, _time, NullLoggerFactory.Instance);
        Assert.Equal(ModelOffer.Installed, agent.Offer(model));
        Assert.True(agent.Evaluate(Plugged()).Eligible);
        var result = await agent.ContributeAsync(ContributionFixture.Samples(), () => true, ct);

        // trained on the subset alone: zero outside it, and the join says which subset
        Assert.Equal(ContributionOutcome.HandedToSecureAggregation, result.Outcome);
        Assert.All(Enumerable.Range(0, layout.TotalLength).Where(j => !inSubset[j]), j => Assert.Equal(0f, result.Delta![j]));
        Assert.Contains(subset.Indices.ToArray(), j => result.Delta![j] != 0f);
        double[] own = SecAggWire.Clipped(result.Delta!);
        string[] ids = [Device, .. Enumerable.Range(2, N - 1).Select(i => $"dev-{i}")];
        var outgoing = new List<(string Device, SecAggDeviceMessage Message)>();
        outgoing.AddRange(agent.TakeSecureAggregationMessages().Select(m => (Device, m)));
        Assert.Equal(subset.ContentHash.ToArray(), Assert.Single(outgoing).Message.Join.SubsetId.ToByteArray());

        // four more members train the subset, five train every coordinate (a memory class told to train dense)
        const int SubsetMembers = 5;
        var others = ids.Skip(1).Select((id, i) => new SecAggParticipant(
            Fleet, id, model.Version, new SecAggParticipantOptions { MinimumNoiseMultiplier = Z, SubsetId = i < SubsetMembers - 1 ? subset.ContentHash.ToArray() : default }, _rng, _time)).ToArray();
        var random = new Random(52);
        float[][] updates = [.. others.Select((_, i) => Enumerable.Range(0, before.Length).Select(j => i < SubsetMembers - 1 && !inSubset[j] ? 0f : (float)((random.NextDouble() - 0.5) * 0.2)).ToArray())];
        var released = new List<AggregatorDecision>();
        node.Decided += d => released.AddRange(d.Kind == AggregatorDecisionKind.SecAggGroupReleased ? [d] : []);
        await CompleteGroupAsync(node, agent, ids, others, outgoing, updates);
        Assert.Equal((long)model.Version + 1, node.Engine.CurrentVersion);
        Assert.EndsWith($"survivors {N}/{N}, {SubsetMembers} on an FTTE subset", Assert.Single(released).Detail, StringComparison.Ordinal);

        // in the subset: the mean of all ten clipped updates; outside it: the mean of the five dense ones (the others sent
        // zero there), with the whole group's noise divided by five. Within 6 noise SDs per coordinate.
        var encoding = others[0].Encoding!;
        double[][] clipped = [own, .. updates.Select(u => SecAggWire.Clipped(u))];
        double noise = encoding.Gamma * Math.Sqrt(N * (encoding.LocalVariance + 0.25));
        float[] after = node.Engine.Global.Buffer.ToArray();
        for (int j = 0; j < before.Length; j++)
        {
            double expected = inSubset[j] ? clipped.Average(u => u[j]) : clipped.Skip(SubsetMembers).Average(u => u[j]);
            double sd = noise / (inSubset[j] ? N : N - SubsetMembers);
            Assert.True(Math.Abs(after[j] - before[j] - expected) < 6 * sd, $"coordinate {j} (in subset: {inSubset[j]}) moved {after[j] - before[j]:G4}, expected {expected:G4} ± 6 × {sd:G4}");
        }

        // dividing the outside coordinates by all ten would halve their moves: some expected move is over 12 SDs, so half
        // of it falls outside the 6-SD band above and the check tells the two divisions apart
        double largestOutside = Enumerable.Range(0, before.Length).Where(j => !inSubset[j]).Max(j => Math.Abs(clipped.Skip(SubsetMembers).Average(u => u[j])));
        Assert.True(largestOutside > 12 * noise / (N - SubsetMembers), $"largest expected move outside the subset {largestOutside:G4}, SD {noise / (N - SubsetMembers):G4}");
        foreach (var participant in others)
        {
            participant.Dispose();
        }
    }

    [Fact]
    public async Task A_join_naming_a_subset_the_aggregator_does_not_know_is_refused_and_its_device_told()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = OpenNode();
        await node.ProcessAsync([], ct);
        _publisher.Take(_ => true);
        using var member = new SecAggParticipant(Fleet, "dev-2", 1, new SecAggParticipantOptions { SubsetId = new byte[32] }, _rng, _time);

        await node.ProcessAsync([new InboundMessage(TopicScheme.SecAgg(Fleet, "dev-2"), member.Join().ToByteArray(), _ => Task.CompletedTask)], ct);

        var (topic, payload, _) = Assert.Single(_publisher.TakeInboxes());
        Assert.Equal(TopicScheme.SecAggInbox(Fleet, "dev-2"), topic);
        var abandoned = SecAggServerMessage.Parser.ParseFrom(payload).Abandoned;
        Assert.Contains("join refused: UnknownSubset", abandoned.Reason, StringComparison.Ordinal);
        var told = member.Receive(payload, _parser);
        Assert.True(told.Accepted, told.Rejection);
        Assert.Equal(SecAggParticipantState.Abandoned, member.State);
    }

    [Fact]
    public void Distributed_mode_validates_with_and_without_check_ins_and_check_ins_still_need_a_user_level_release()
    {
        static List<ValidationResult> Validate(PrivacyOptions options) => [.. options.Validate(new ValidationContext(options))];

        Assert.Empty(Validate(new PrivacyOptions { Mode = ContributionPrivacy.Distributed }));
        Assert.Empty(Validate(new PrivacyOptions { Mode = ContributionPrivacy.Distributed, CheckInRate = 0.05 }));
        Assert.Contains(Validate(new PrivacyOptions { Mode = ContributionPrivacy.SampleLevel, CheckInRate = 0.05 }), r => r.MemberNames.Contains(nameof(PrivacyOptions.CheckInRate)));
        Assert.Contains(Validate(new PrivacyOptions { Mode = ContributionPrivacy.None }), r => r.MemberNames.Contains(nameof(PrivacyOptions.Mode)));
    }

    [Fact]
    public async Task An_abandoned_group_frees_its_model_version_once_and_the_retry_is_charged_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var node = OpenNode();
        await node.ProcessAsync([], ct);
        var model = GlobalModel.Parser.ParseFrom(_publisher.Take(p => p.Topic == TopicScheme.Model(Fleet)).Single().Payload);
        var randomness = new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1), RandomNumberGenerator.Create());
        using var agent = DeviceAgent.Open(AgentOptions(1.0), PinnedModelKey.FromKey(_key), randomness, _time, NullLoggerFactory.Instance);
        Assert.Equal(ModelOffer.Installed, agent.Offer(model));

        for (int attempt = 1; attempt <= 2; attempt++)
        {
            Assert.True(agent.Evaluate(Plugged()).Eligible, $"attempt {attempt}");
            var result = await agent.ContributeAsync(ContributionFixture.Samples(), () => true, ct);
            Assert.Equal(ContributionOutcome.HandedToSecureAggregation, result.Outcome);
            Assert.Equal(attempt, agent.Ledger.Entries.Count); // q = 1: every hand-over is one charged release
            Assert.False(agent.Evaluate(Plugged()).Eligible); // in its group
            agent.TakeSecureAggregationMessages();

            // the aggregator gives the group up before any roster (too few joins while forming): nothing was released
            var step = agent.ReceiveSecureAggregation(new SecAggServerMessage { ProtocolMajor = ProtocolVersion.Major, Fleet = Fleet, DeviceId = Device, Abandoned = new SecAggAbandoned { GroupId = 40 + attempt, Reason = "too few joins" } }.ToByteArray());
            Assert.True(step.Accepted, step.Rejection);
            Assert.Null(agent.SecureAggregationState);
        }

        // freed once per version: after the second abandonment the device waits for the next model
        var waiting = agent.Evaluate(Plugged());
        Assert.False(waiting.Eligible);
        Assert.Contains($"already contributed to global model v{model.Version}", waiting.ToString(), StringComparison.Ordinal);
        Assert.Equal(model.Version, agent.LastContributedVersion);
    }

    [Fact]
    public void An_inbox_message_with_no_group_open_is_refused_and_changes_nothing()
    {
        var randomness = new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1), RandomNumberGenerator.Create());
        using var agent = DeviceAgent.Open(AgentOptions(1.0), PinnedModelKey.FromKey(_key), randomness, _time, NullLoggerFactory.Instance);

        var step = agent.ReceiveSecureAggregation(new SecAggServerMessage { ProtocolMajor = ProtocolVersion.Major, Fleet = Fleet, DeviceId = Device, Abandoned = new SecAggAbandoned { GroupId = 1, Reason = "test" } }.ToByteArray());

        Assert.False(step.Accepted);
        Assert.Empty(agent.TakeSecureAggregationMessages());
        Assert.Null(agent.SecureAggregationState);
    }

    /// <summary>The other members join beside the agent's queued join, exchange shares, and submit <paramref name="updates"/>; pumped until the group is done.</summary>
    private async Task CompleteGroupAsync(AggregatorNode node, DeviceAgent agent, string[] ids, SecAggParticipant[] others, List<(string Device, SecAggDeviceMessage Message)> outgoing, float[][] updates)
    {
        outgoing.AddRange(others.Select((p, i) => (ids[i + 1], p.Join())));
        await PumpAsync(node, agent, ids, others, outgoing);
        for (int i = 0; i < others.Length; i++)
        {
            var step = others[i].SubmitUpdate(updates[i]);
            Assert.True(step.Accepted, step.Rejection);
            outgoing.Add((ids[i + 1], step.Outgoing!));
        }

        await PumpAsync(node, agent, ids, others, outgoing);
    }

    /// <summary>Device messages to the node as the aggregator's driver hands them over; inbox publications to the agent (as its MQTT driver does) or a bare participant.</summary>
    private async Task PumpAsync(AggregatorNode node, DeviceAgent agent, string[] ids, SecAggParticipant[] others, List<(string Device, SecAggDeviceMessage Message)> outgoing)
    {
        var ct = TestContext.Current.CancellationToken;
        while (true)
        {
            if (outgoing.Count > 0)
            {
                var batch = outgoing.Select(o => new InboundMessage(TopicScheme.SecAgg(Fleet, o.Device), o.Message.ToByteArray(), _ => Task.CompletedTask)).ToList();
                outgoing.Clear();
                await node.ProcessAsync(batch, ct);
            }

            var delivered = _publisher.TakeInboxes();
            if (delivered.Count == 0)
            {
                return;
            }

            foreach (var (topic, payload, _) in delivered)
            {
                Assert.True(TopicScheme.TryParse(topic, out var address, out _));
                if (address.Device == Device)
                {
                    var step = agent.ReceiveSecureAggregation(payload);
                    Assert.True(step.Accepted, step.Rejection);
                    outgoing.AddRange(agent.TakeSecureAggregationMessages().Select(m => (Device, m)));
                    continue;
                }

                int i = Array.IndexOf(ids, address.Device) - 1;
                var answer = others[i].Receive(payload, _parser);
                Assert.True(answer.Accepted, answer.Rejection);
                if (answer.Outgoing is { } message)
                {
                    outgoing.Add((ids[i + 1], message));
                }
            }
        }
    }
}
