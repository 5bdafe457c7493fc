using FedEdge.Core.SecureAggregation;
using FedEdge.Device.SecureAggregation;
using FedEdge.Protocol.Wire;

namespace FedEdge.Agent.Tests.SecureAggregation;

/// <summary>The device's refusals: an unmask request that could expose an input is not answered.</summary>
public class SecAggParticipantTests
{
    private const int N = 8;

    private static SecAggGroupHarness Group(int seed) =>
        new(N, 4, 3, 5, new Core.DistributedDp.DistributedDiscreteGaussianParameters(20, 1.0, 1e-3, 16, 0.6, 5, N, 1.0), seed);

    private static SecAggGroupHarness MaskedGroup(out SecAggServerMessage request)
    {
        SecAggGroupHarness group = Group(61);
        group.JoinAll();
        int length = group.Encoding.PaddedDimension;
        group.SendMaskedInputs([.. Enumerable.Range(0, N).Select(_ => new ushort[length])]);

        // Take device 0's genuine unmask request instead of delivering it.
        request = Assert.Single(group.TakeInbox(0));
        Assert.Equal(SecAggServerMessage.BodyOneofCase.UnmaskRequest, request.BodyCase);
        return group;
    }

    private static SecAggServerMessage With(SecAggServerMessage request, uint[] survivors, uint[] dropped)
    {
        SecAggServerMessage changed = request.Clone();
        changed.UnmaskRequest.Survivors.Clear();
        changed.UnmaskRequest.Survivors.Add(survivors);
        changed.UnmaskRequest.Dropped.Clear();
        changed.UnmaskRequest.Dropped.Add(dropped);
        return changed;
    }

    public static TheoryData<string, uint[], uint[], string> Contradictions => new()
    {
        { "a member missing", [0, 1, 2, 3, 4, 5, 6], [], "do not cover the roster" },
        { "a member outside the roster", [0, 1, 2, 3, 4, 5, 6], [8], "outside the roster or twice" },
        { "this device counted as dropped", [1, 2, 3, 4, 5, 6, 7], [0], "counts this device, whose masked input was sent, as dropped" },
        { "fewer survivors than the minimum", [0, 1, 2, 3], [4, 5, 6, 7], "4 survivors are fewer than the roster's minimum 5" },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void A_request_whose_lists_do_not_match_the_roster_is_refused_and_the_genuine_one_is_still_answered(string what, uint[] survivors, uint[] dropped, string reason)
    {
        using SecAggGroupHarness group = MaskedGroup(out SecAggServerMessage request);
        SecAggParticipant device = group.Devices[0];

        SecAggParticipantStep refused = device.Receive(With(request, survivors, dropped));

        Assert.False(refused.Accepted, what);
        Assert.Contains(reason, refused.Rejection, StringComparison.Ordinal);
        Assert.Null(refused.Outgoing);
        Assert.Equal(SecAggParticipantState.MaskedInputSent, device.State);
        SecAggParticipantStep answered = device.Receive(request);
        Assert.True(answered.Accepted, answered.Rejection);
        Assert.Equal(4, answered.Outgoing!.UnmaskShares.SelfMaskShares.Count); // all 4 neighbours survived
        Assert.Empty(answered.Outgoing.UnmaskShares.MaskKeyShares);
    }

    [Fact]
    public void After_answering_with_self_mask_shares_a_request_calling_a_neighbour_dropped_gets_nothing()
    {
        // The attack the rule stops: b_v from one request and s_v^SK from a second one would unmask v's input.
        using SecAggGroupHarness group = MaskedGroup(out SecAggServerMessage request);
        SecAggParticipant device = group.Devices[0];
        Assert.True(device.Receive(request).Accepted);
        uint neighbour = FirstNeighbour(group);
        uint[] survivors = [.. Enumerable.Range(0, N).Select(i => (uint)i).Where(i => i != neighbour)];

        SecAggParticipantStep second = device.Receive(With(request, survivors, [neighbour]));

        Assert.False(second.Accepted);
        Assert.Null(second.Outgoing);
        Assert.Contains("over for this device", second.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_calling_an_excluded_neighbour_a_survivor_is_refused()
    {
        // Device 3 sends no shares: its neighbours never masked with it, so "3 survived" would make them reveal b-shares
        // for a sum that cannot be right, and is a lie about what they saw.
        using SecAggGroupHarness group = Group(64);
        for (int i = 0; i < N; i++)
        {
            group.Send(i, group.Devices[i].Join());
        }

        group.Offline.Add(3);
        group.Pump();
        group.Advance(group.Options.SharesTimeout + TimeSpan.FromSeconds(1));
        group.Offline.Remove(3);
        int length = group.Encoding.PaddedDimension;
        var graph = SecAggNeighbourhood.Create(N, 4, group.RosterOf(0).Roster.RoundSeed.Span);
        int neighbour = graph.Neighbours(3)[0];
        SecAggParticipantStep masked = group.Devices[neighbour].SubmitEncoded(new ushort[length]);
        Assert.True(masked.Accepted, masked.Rejection);
        var request = new SecAggServerMessage
        {
            ProtocolMajor = ProtocolVersion.Major, DeviceId = group.Ids[neighbour], Fleet = SecAggGroupHarness.Fleet,
            UnmaskRequest = new SecAggUnmaskRequest { GroupId = group.Devices[neighbour].GroupId, Survivors = { Enumerable.Range(0, N).Select(i => (uint)i) } },
        };

        SecAggParticipantStep refused = group.Devices[neighbour].Receive(request);

        Assert.False(refused.Accepted);
        Assert.Contains("a neighbour that sent no shares", refused.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_in_the_wrong_phase_or_for_another_group_is_refused()
    {
        using SecAggGroupHarness group = Group(62);
        group.JoinAll(); // rosters and relayed shares delivered; no masked input yet
        var early = new SecAggServerMessage
        {
            ProtocolMajor = ProtocolVersion.Major, DeviceId = group.Ids[0], Fleet = SecAggGroupHarness.Fleet,
            UnmaskRequest = new SecAggUnmaskRequest { GroupId = group.Devices[0].GroupId, Survivors = { Enumerable.Range(0, N).Select(i => (uint)i) } },
        };

        Assert.Contains("after this device's masked input", group.Devices[0].Receive(early).Rejection, StringComparison.Ordinal);
        SecAggServerMessage elsewhere = early.Clone();
        elsewhere.DeviceId = group.Ids[1];
        Assert.Contains("addressed to another device", group.Devices[0].Receive(elsewhere).Rejection, StringComparison.Ordinal);
        Assert.Equal(SecAggParticipantState.SharesReceived, group.Devices[0].State);
    }

    [Fact]
    public void A_participant_erases_its_group_after_the_unmask_deadline()
    {
        using SecAggGroupHarness group = Group(63);
        group.JoinAll();
        group.Offline.UnionWith(Enumerable.Range(0, N)); // the aggregator vanished (restart): nothing more arrives
        group.Time.Advance(group.Options.SharesTimeout + group.Options.MaskedInputTimeout + group.Options.UnmaskTimeout + TimeSpan.FromSeconds(1));

        Assert.True(group.Devices[0].Tick());
        Assert.Equal(SecAggParticipantState.Expired, group.Devices[0].State);
        Assert.False(group.Devices[0].SubmitUpdate(new float[20]).Accepted);
    }

    private static uint FirstNeighbour(SecAggGroupHarness group)
    {
        SecAggServerMessage roster = group.RosterOf(0);
        var graph = SecAggNeighbourhood.Create(roster.Roster.Members.Count, (int)roster.Roster.Degree, roster.Roster.RoundSeed.Span);
        return (uint)graph.Neighbours(0)[0];
    }
}
