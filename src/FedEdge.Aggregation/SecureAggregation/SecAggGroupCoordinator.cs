using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.SecretSharing;
using FedEdge.Core.SecureAggregation;
using FedEdge.Protocol.SecureAggregation;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Aggregation.SecureAggregation;

/// <summary>
/// The aggregator's side of secure aggregation (Bonawitz et al. 2017, §4, with SecAgg+ neighbourhoods and the distributed
/// discrete Gaussian; docs/privacy.md). A state machine without I/O, driven by <see cref="Receive(string, SecAggDeviceMessage)"/>
/// (what arrived on a device's secagg topic, with the device the topic names) and <see cref="Tick"/> (deadlines, read
/// from the <see cref="TimeProvider"/>); the caller publishes the returned messages on the devices' inboxes and feeds
/// the returned group means to its strategy.
/// </summary>
/// <remarks>
/// Per group: <b>forming</b> (joins until n, whatever model version each trained from — the group is one FedBuff buffer,
/// which takes updates of several versions; the roster names the oldest as its base, and each survivor's version goes
/// out with the released mean, which the strategy weighs by their mean staleness) → roster → <b>sharing</b> (sealed shares until all n
/// or the deadline; members without shares are excluded — nobody masks with them — and fewer than the minimum of
/// survivors abandons the group) → relay → <b>masking</b> (masked inputs until every remaining member or the deadline;
/// they are added into one running sum mod 2^b and not kept) → unmask request to the survivors, or abandonment below the minimum →
/// <b>unmasking</b> (answers until all survivors or the deadline) → reconstruct b_u of survivors and s_u^SK of dropped
/// members (each checked against its roster key), unmask, decode, divide by the survivors. A group that fails anywhere
/// is abandoned: its members are told, and nothing but the masked sum was ever held. A refused message changes nothing.
/// Bounded: at most <see cref="SecAggCoordinatorOptions.MaxOpenGroups"/> groups of n members, one running sum each.
/// Not thread-safe: one loop drives it. The state is in memory only — after a restart every open group is gone and
/// nothing from it is released (the devices expire at their deadlines).
/// </remarks>
public sealed class SecAggGroupCoordinator : IDisposable
{
    private readonly SecAggCoordinatorOptions _options;
    private readonly RandomNumberGenerator _rng;
    private readonly TimeProvider _time;
    private readonly WireParser _parser;
    private readonly MaskExpander _expander = new();
    private readonly List<Group> _groups = [];
    private readonly Dictionary<string, Group> _memberOf = new(StringComparer.Ordinal);
    private readonly SecAggEncoding _wireEncoding;
    private readonly Func<string, SecAggJoin, string?>? _admit;

    /// <summary>A coordinator; <paramref name="rng"/> draws group ids and public round seeds.</summary>
    /// <param name="options">Group shape, encoding, deadlines, bounds.</param>
    /// <param name="rng">Draws group ids and public round seeds.</param>
    /// <param name="time">The clock of the deadlines.</param>
    /// <param name="admit">
    /// Asked for every well-formed join before the device is placed in a group: null admits it, a reason refuses it (the
    /// device is told "abandoned" with that reason, so it does not wait for a roster). The aggregator's per-device privacy
    /// ledger refuses a device whose budget cannot afford one more group here. Null admits every join.
    /// </param>
    public SecAggGroupCoordinator(SecAggCoordinatorOptions options, RandomNumberGenerator rng, TimeProvider time, Func<string, SecAggJoin, string?>? admit = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _rng = rng;
        _time = time;
        _parser = new WireParser(options.Limits);
        _wireEncoding = SecAggRosterView.ToWire(options.Encoding);
        _admit = admit;
    }

    private enum Phase
    {
        Forming,
        Sharing,
        Masking,
        Unmasking,
    }

    /// <summary>Groups forming or running.</summary>
    public int OpenGroups => _groups.Count;

    /// <summary>Parses bytes from <paramref name="senderDevice"/>'s secagg topic with the configured bounds, then acts on them.</summary>
    public SecAggCoordinatorStep Receive(string senderDevice, ReadOnlySpan<byte> payload)
    {
        ParseResult<SecAggDeviceMessage> parsed = _parser.ParseSecAggDeviceMessage(payload);
        return parsed.TryGet(out SecAggDeviceMessage? message, out string reason) ? Receive(senderDevice, message) : Refuse(reason);
    }

    /// <summary>
    /// Acts on a message (through the wire rules) that arrived on <paramref name="senderDevice"/>'s secagg topic — the broker's
    /// ACL lets only that device write there, so the topic, not the body, says who sent it.
    /// </summary>
    public SecAggCoordinatorStep Receive(string senderDevice, SecAggDeviceMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!string.Equals(senderDevice, message.DeviceId, StringComparison.Ordinal) || !string.Equals(message.Fleet, _options.Fleet, StringComparison.Ordinal))
        {
            return Refuse("the message's device or fleet is not the topic's");
        }

        var step = new Builder();
        Expire(step);
        if (message.BodyCase == SecAggDeviceMessage.BodyOneofCase.Join)
        {
            return OnJoin(senderDevice, message.Join, step);
        }

        if (!_memberOf.TryGetValue(senderDevice, out Group? group))
        {
            return step.Refuse("the device is in no open group");
        }

        long groupId = message.BodyCase switch
        {
            SecAggDeviceMessage.BodyOneofCase.Shares => message.Shares.GroupId,
            SecAggDeviceMessage.BodyOneofCase.MaskedInput => message.MaskedInput.GroupId,
            SecAggDeviceMessage.BodyOneofCase.UnmaskShares => message.UnmaskShares.GroupId,
            _ => 0,
        };
        if (groupId != group.Id || group.View is null)
        {
            return step.Refuse("the message is for another group than the device's");
        }

        int sender = group.View.IndexOf(senderDevice);
        return message.BodyCase switch
        {
            SecAggDeviceMessage.BodyOneofCase.Shares => OnShares(group, sender, message.Shares, step),
            SecAggDeviceMessage.BodyOneofCase.MaskedInput => OnMaskedInput(group, sender, message.MaskedInput, step),
            _ => OnUnmaskShares(group, sender, message.UnmaskShares, step),
        };
    }

    /// <summary>Applies every deadline that has passed.</summary>
    public SecAggCoordinatorStep Tick()
    {
        var step = new Builder();
        Expire(step);
        return step.Build();
    }

    /// <summary>
    /// The model moved on so far that a mean based on a version older than <paramref name="oldestUsable"/> would be refused
    /// as too stale: a group still forming whose base (its oldest join's version) is older ends now instead of at its
    /// formation deadline — it starts short when it has ≥ n_min joins and a <see cref="SecAggCoordinatorOptions.ShortGroupPlan"/>,
    /// else it is abandoned and its joiners are free to join the current version at once (their charged offer stands;
    /// docs/privacy.md). A newer version alone ends nothing: the forming group takes joins of every version.
    /// </summary>
    public SecAggCoordinatorStep Supersede(long oldestUsable)
    {
        var step = new Builder();
        foreach (Group group in _groups.ToArray())
        {
            if (group.Phase != Phase.Forming || (long)group.ModelVersion >= oldestUsable)
            {
                continue;
            }

            // "joined in time" like the formation deadline's reason: both are groups abandoned while forming
            EndForming(group, string.Create(CultureInfo.InvariantCulture, $" from version {group.ModelVersion}: versions before {oldestUsable} are too stale"), step);
        }

        return step.Build();
    }

    /// <inheritdoc />
    public void Dispose() => _expander.Dispose();

    private static SecAggCoordinatorStep Refuse(string reason) => new([], [], reason);

    private SecAggCoordinatorStep OnJoin(string device, SecAggJoin join, Builder step)
    {
        if (_memberOf.ContainsKey(device))
        {
            return step.Refuse("the device is already in an open group");
        }

        if (!PairwiseSeedDerivation.IsValidPublicKey(join.ChannelPublicKey.Span) || !PairwiseSeedDerivation.IsValidPublicKey(join.MaskPublicKey.Span))
        {
            return step.Refuse("a public key of the join is not a P-256 point");
        }

        if (_admit?.Invoke(device, join) is { } refusal)
        {
            // told at once under a group id of its own, so its participant ends instead of waiting for a roster
            step.Send(device, m => m.Abandoned = new SecAggAbandoned { GroupId = NewGroupId(), Reason = Ascii("join refused: " + refusal) }, _options.Fleet);
            return step.Refuse("join refused: " + refusal);
        }

        // one group forms at a time, for joins of any version (the FedBuff buffer); it starts when it has n
        Group? group = _groups.Find(g => g.Phase == Phase.Forming);
        if (group is null)
        {
            if (_groups.Count >= _options.MaxOpenGroups)
            {
                return step.Refuse(string.Create(CultureInfo.InvariantCulture, $"{_groups.Count} groups are open, the most allowed; join again later"));
            }

            group = new Group(NewGroupId(), _time.GetUtcNow() + _options.FormationTimeout);
            _groups.Add(group);
        }

        group.Joins.Add(new SecAggMember { DeviceId = device, ChannelPublicKey = join.ChannelPublicKey, MaskPublicKey = join.MaskPublicKey });
        group.Versions.Add(join.ModelVersion);
        group.SamplingRates.Add(join.SamplingRate > 0.0 ? join.SamplingRate : 1.0); // undeclared: charged unamplified
        group.SubsetIds.Add(join.SubsetId.Memory);
        _memberOf[device] = group;
        if (group.Joins.Count == _options.GroupSize)
        {
            StartSharing(group, step);
        }

        return step.Build();
    }

    private void StartSharing(Group group, Builder step, SecAggNeighbourhoodPlan? shortPlan = null)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var seed = new byte[MaskExpander.SeedBytes];
        _rng.GetBytes(seed);
        var roster = new SecAggRoster
        {
            GroupId = group.Id,
            ModelVersion = group.ModelVersion,
            RoundSeed = ByteString.CopyFrom(seed),
            Degree = (uint)(shortPlan?.Degree ?? Math.Min(_options.Degree, _options.GroupSize - 1)),
            Threshold = (uint)(shortPlan?.Threshold ?? _options.Threshold),
            MinimumSurvivors = (uint)_options.MinimumSurvivors,
            Encoding = _wireEncoding,
            SharesDeadlineUnixMs = (now + _options.SharesTimeout).ToUnixTimeMilliseconds(),
            MaskedInputDeadlineUnixMs = (now + _options.SharesTimeout + _options.MaskedInputTimeout).ToUnixTimeMilliseconds(),
            UnmaskDeadlineUnixMs = (now + _options.SharesTimeout + _options.MaskedInputTimeout + _options.UnmaskTimeout).ToUnixTimeMilliseconds(),
        };
        roster.Members.Add(group.Joins);
        if (!SecAggRosterView.TryCreate(_options.Fleet, roster, out SecAggRosterView? view, out string? reason))
        {
            throw new InvalidOperationException("The coordinator built a roster its own check refuses: " + reason);
        }

        // The coordinator keeps the deadlines it announced: a phase ends early when everyone is in, never later than the roster says.
        group.Start(view, DateTimeOffset.FromUnixTimeMilliseconds(roster.SharesDeadlineUnixMs));
        foreach (SecAggMember member in roster.Members)
        {
            step.Send(member.DeviceId, m => m.Roster = roster, _options.Fleet);
        }
    }

    private SecAggCoordinatorStep OnShares(Group group, int sender, SecAggShares shares, Builder step)
    {
        SecAggRosterView view = group.View!;
        if (group.Phase != Phase.Sharing || group.SharesIn[sender])
        {
            return step.Refuse($"shares are taken once per member while the group is sharing (it is {group.Phase})");
        }

        ReadOnlySpan<int> neighbours = view.Graph.Neighbours(sender);
        if (shares.Shares.Count != neighbours.Length)
        {
            return step.Refuse(string.Create(CultureInfo.InvariantCulture, $"{shares.Shares.Count} shares, the member has {neighbours.Length} neighbours"));
        }

        foreach (SecAggEncryptedShare share in shares.Shares)
        {
            if (share.PeerIndex >= view.Count || !view.Graph.AreNeighbours(sender, (int)share.PeerIndex))
            {
                return step.Refuse(string.Create(CultureInfo.InvariantCulture, $"a share is addressed to member {share.PeerIndex}, not a neighbour"));
            }
        }

        foreach (SecAggEncryptedShare share in shares.Shares)
        {
            group.Relay[share.PeerIndex].Add(new SecAggEncryptedShare { PeerIndex = (uint)sender, Ciphertext = share.Ciphertext });
        }

        group.SharesIn[sender] = true;
        if (Array.TrueForAll(group.SharesIn, x => x))
        {
            RelayShares(group, step);
        }

        return step.Build();
    }

    /// <summary>
    /// Hands each member that sent its shares the shares sealed for it by the others that did. Members without shares are
    /// excluded from here on (Bonawitz et al.'s U₂): they get nothing, nobody masks with them, their input is refused.
    /// </summary>
    private void RelayShares(Group group, Builder step)
    {
        SecAggRosterView view = group.View!;
        group.Advance(Phase.Masking, DateTimeOffset.FromUnixTimeMilliseconds(view.Roster.MaskedInputDeadlineUnixMs));
        for (int v = 0; v < view.Count; v++)
        {
            if (!group.SharesIn[v])
            {
                continue;
            }

            var relayed = new SecAggShares { GroupId = group.Id };
            relayed.Shares.Add(group.Relay[v]);
            step.Send(view.Member(v).DeviceId, m => m.Shares = relayed, _options.Fleet);
        }

        group.ReleaseRelay();
    }

    private SecAggCoordinatorStep OnMaskedInput(Group group, int sender, SecAggMaskedInput input, Builder step)
    {
        SecAggRosterView view = group.View!;
        if (group.Phase != Phase.Masking || group.MaskedIn[sender])
        {
            return step.Refuse($"a masked input is taken once per member while the group is masking (it is {group.Phase})");
        }

        if (!group.SharesIn[sender])
        {
            return step.Refuse("the member sent no shares in time and is excluded from the group's sum");
        }

        var vector = new ushort[view.Encoding.PaddedDimension];
        if (!ModularPacking.TryUnpack(input.Masked.Span, view.Encoding.Bits, vector))
        {
            return step.Refuse(string.Create(
                CultureInfo.InvariantCulture,
                $"the masked input is not {vector.Length} packed {view.Encoding.Bits}-bit values ({ModularPacking.PackedLength(vector.Length, view.Encoding.Bits)} bytes), got {input.Masked.Length} bytes"));
        }

        ModularVector.Accumulate(group.MaskedSum!, vector);
        group.MaskedIn[sender] = true;
        if (group.MaskedIn.AsSpan().SequenceEqual(group.SharesIn))
        {
            StartUnmasking(group, step);
        }

        return step.Build();
    }

    private void StartUnmasking(Group group, Builder step)
    {
        SecAggRosterView view = group.View!;
        var request = new SecAggUnmaskRequest { GroupId = group.Id };
        for (int u = 0; u < view.Count; u++)
        {
            (group.MaskedIn[u] ? request.Survivors : request.Dropped).Add((uint)u);
        }

        if (request.Survivors.Count < _options.MinimumSurvivors)
        {
            Abandon(group, string.Create(CultureInfo.InvariantCulture, $"{request.Survivors.Count} masked inputs arrived, {_options.MinimumSurvivors} are needed"), step);
            return;
        }

        group.Advance(Phase.Unmasking, DateTimeOffset.FromUnixTimeMilliseconds(view.Roster.UnmaskDeadlineUnixMs));
        foreach (uint u in request.Survivors)
        {
            step.Send(view.Member((int)u).DeviceId, m => m.UnmaskRequest = request, _options.Fleet);
        }
    }

    private SecAggCoordinatorStep OnUnmaskShares(Group group, int sender, SecAggUnmaskShares answer, Builder step)
    {
        SecAggRosterView view = group.View!;
        if (group.Phase != Phase.Unmasking || !group.MaskedIn[sender] || group.Answered[sender])
        {
            return step.Refuse($"unmask shares are taken once per survivor while the group is unmasking (it is {group.Phase})");
        }

        string? error = CheckShares(view, group, sender, answer.SelfMaskShares, survived: true)
            ?? CheckShares(view, group, sender, answer.MaskKeyShares, survived: false);
        if (error is not null)
        {
            return step.Refuse(error);
        }

        foreach (SecAggShareValue value in answer.SelfMaskShares.Concat(answer.MaskKeyShares))
        {
            group.Shares[value.OwnerIndex].Add(new SecretShare((int)value.ShareIndex, value.Values.ToArray()));
        }

        group.Answered[sender] = true;
        if (group.AllSurvivorsAnswered)
        {
            Finish(group, step);
        }

        return step.Build();
    }

    private static string? CheckShares(SecAggRosterView view, Group group, int sender, IEnumerable<SecAggShareValue> values, bool survived)
    {
        foreach (SecAggShareValue value in values)
        {
            int owner = (int)value.OwnerIndex;
            if (owner >= view.Count || !view.Graph.AreNeighbours(sender, owner))
            {
                return string.Create(CultureInfo.InvariantCulture, $"a share of member {owner}, not a neighbour of the sender");
            }

            if (group.MaskedIn[owner] != survived || !group.SharesIn[owner])
            {
                return string.Create(
                    CultureInfo.InvariantCulture, $"a share of member {owner}'s {(survived ? "self-mask seed" : "mask key")}, but that member {(survived ? "dropped" : "survived")}");
            }

            if (value.ShareIndex != view.ShareIndex(owner, sender) || value.Values.Count != ShareChannel.Limbs)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the share of member {owner} has the wrong abscissa or length");
            }
        }

        return null;
    }

    private void Finish(Group group, Builder step)
    {
        SecAggRosterView view = group.View!;
        var survivors = new List<int>();
        for (int u = 0; u < view.Count; u++)
        {
            if (group.MaskedIn[u])
            {
                survivors.Add(u);
            }
        }

        var selfSeeds = new Dictionary<int, ReadOnlyMemory<byte>>();
        var droppedSeeds = new List<DroppedPairSeed>();
        try
        {
            string? error = Reconstruct(group, view, selfSeeds, droppedSeeds);
            if (error is not null)
            {
                Abandon(group, error, step);
                return;
            }

            DistributedDiscreteGaussianParameters encoding = view.Encoding;
            var sum = new ushort[encoding.PaddedDimension];
            UnmaskingResult result = SecAggUnmasking.Unmask(
                _expander, group.MaskedSum, encoding.Bits, view.Graph, survivors, _options.MinimumSurvivors, selfSeeds, droppedSeeds, sum,
                excluded: [.. Enumerable.Range(0, view.Count).Where(u => !group.SharesIn[u])]);
            if (!result.Succeeded)
            {
                Abandon(group, $"unmasking refused ({result.Rejection}): {result.Detail}", step);
                return;
            }

            var mean = new float[encoding.Dimension];
            using (var decoder = new DistributedDiscreteGaussianDecoder(encoding))
            {
                decoder.Decode(sum, view.RotationSeed, mean);
            }

            TensorPrimitives.Divide(mean, survivors.Count, mean);
            Close(group);
            SecAggSurvivor[] members = [.. survivors.Select(u => new SecAggSurvivor(view.Member(u).DeviceId, group.SamplingRates[u], group.Versions[u]) { SubsetId = group.SubsetIds[u] })];
            step.Outcome(new SecAggGroupOutcome(group.Id, group.ModelVersion, view.Count, survivors.Count, mean, sum, null) { SurvivingMembers = members });
        }
        finally
        {
            foreach (ReadOnlyMemory<byte> seed in selfSeeds.Values)
            {
                CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsMemory(seed).Span);
            }

            foreach (DroppedPairSeed pair in droppedSeeds)
            {
                CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsMemory(pair.Seed).Span);
            }
        }
    }

    /// <summary>b_u of every survivor and, for every dropped member with a surviving neighbour, its pairwise seeds.</summary>
    private static string? Reconstruct(Group group, SecAggRosterView view, Dictionary<int, ReadOnlyMemory<byte>> selfSeeds, List<DroppedPairSeed> droppedSeeds)
    {
        int threshold = (int)view.Roster.Threshold;
        for (int u = 0; u < view.Count; u++)
        {
            bool hasSurvivingNeighbour = false;
            foreach (int v in view.Graph.Neighbours(u))
            {
                hasSurvivingNeighbour |= group.MaskedIn[v];
            }

            if (!group.SharesIn[u] || (!group.MaskedIn[u] && !hasSurvivingNeighbour))
            {
                continue; // excluded before masking (nobody masked with it), or dropped with no surviving neighbour
            }

            ShamirReconstruction secret = ShamirSecretSharing.Reconstruct(group.Shares[u], threshold, ShareChannel.SecretBytes);
            if (!secret.Succeeded)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"member {u}'s {(group.MaskedIn[u] ? "self-mask seed" : "mask key")} could not be reconstructed ({secret.Rejection}: {secret.Detail})");
            }

            if (group.MaskedIn[u])
            {
                selfSeeds[u] = secret.Secret.ToArray();
                continue;
            }

            byte[] scalar = secret.Secret.ToArray();
            try
            {
                using SecAggKeyPair rebuilt = SecAggKeyPair.FromPrivateScalar(scalar);
                if (!rebuilt.PublicKey.Span.SequenceEqual(view.Member(u).MaskPublicKey.Span))
                {
                    return string.Create(CultureInfo.InvariantCulture, $"member {u}'s reconstructed mask key is not the one in the roster");
                }

                foreach (int v in view.Graph.Neighbours(u))
                {
                    if (group.MaskedIn[v])
                    {
                        var seed = new byte[MaskExpander.SeedBytes];
                        view.TryMaskSeed(rebuilt, u, v, seed);
                        droppedSeeds.Add(new DroppedPairSeed(u, v, seed));
                    }
                }
            }
            catch (CryptographicException)
            {
                return string.Create(CultureInfo.InvariantCulture, $"member {u}'s reconstructed mask key is not a P-256 scalar");
            }
            finally
            {
                CryptographicOperations.ZeroMemory(scalar);
            }
        }

        return null;
    }

    /// <summary>
    /// Ends a group that is still forming (its deadline passed, or the model moved on): it starts short with the plan of
    /// <see cref="ShortGroupPlan"/>, else it is abandoned ("only j of n devices joined in time" + <paramref name="why"/>).
    /// </summary>
    private void EndForming(Group group, string why, Builder step)
    {
        if (ShortGroupPlan(group.Joins.Count) is { } plan)
        {
            StartSharing(group, step, plan);
        }
        else
        {
            Abandon(group, string.Create(CultureInfo.InvariantCulture, $"only {group.Joins.Count} of {_options.GroupSize} devices joined in time{why}"), step);
        }
    }

    /// <summary>
    /// The neighbourhood a group that is still forming at its deadline starts with, or null to abandon it: only when
    /// <see cref="SecAggCoordinatorOptions.ShortGroupPlan"/> is set and at least <see cref="SecAggCoordinatorOptions.MinimumSurvivors"/>
    /// devices joined — then the encoding's noise (set for that many survivors) and the release rule are unchanged, and a
    /// short group whose survivors fall below it is abandoned like any other.
    /// </summary>
    private SecAggNeighbourhoodPlan? ShortGroupPlan(int joined)
    {
        if (_options.ShortGroupPlan is not { } choose || joined < _options.MinimumSurvivors || joined < 2)
        {
            return null;
        }

        try
        {
            return choose(joined);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null; // no neighbourhood meets the targets at this size: abandoned, nothing released
        }
    }

    private void Expire(Builder step)
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (Group group in _groups.ToArray())
        {
            if (now <= group.Deadline)
            {
                continue;
            }

            switch (group.Phase)
            {
                case Phase.Forming:
                    EndForming(group, string.Empty, step);
                    break;
                case Phase.Sharing:
                    int active = group.SharesIn.Count(x => x);
                    if (active < _options.MinimumSurvivors)
                    {
                        Abandon(group, string.Create(CultureInfo.InvariantCulture, $"{active} members sent shares in time, {_options.MinimumSurvivors} are needed"), step);
                    }
                    else
                    {
                        RelayShares(group, step);
                    }

                    break;
                case Phase.Masking:
                    StartUnmasking(group, step);
                    break;
                default:
                    Finish(group, step);
                    break;
            }
        }
    }

    private void Abandon(Group group, string reason, Builder step)
    {
        // Everyone still waiting is told; members that already answered the unmask request are done with the group.
        var abandoned = new SecAggAbandoned { GroupId = group.Id, Reason = Ascii(reason) };
        IReadOnlyList<SecAggMember> members = group.View?.Roster.Members ?? (IReadOnlyList<SecAggMember>)group.Joins;
        for (int u = 0; u < members.Count; u++)
        {
            if (group.Answered.Length == 0 || !group.Answered[u])
            {
                step.Send(members[u].DeviceId, m => m.Abandoned = abandoned, _options.Fleet);
            }
        }

        int survivors = group.MaskedIn.Count(x => x);
        Close(group);
        step.Outcome(new SecAggGroupOutcome(group.Id, group.ModelVersion, group.View?.Count ?? group.Joins.Count, survivors, null, null, reason));
    }

    private void Close(Group group)
    {
        _groups.Remove(group);
        foreach (SecAggMember member in group.View?.Roster.Members ?? (IEnumerable<SecAggMember>)group.Joins)
        {
            _memberOf.Remove(member.DeviceId);
        }

        group.ReleaseRelay();
        if (group.MaskedSum is not null)
        {
            Array.Clear(group.MaskedSum);
        }
    }

    private long NewGroupId()
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        long id;
        do
        {
            _rng.GetBytes(bytes);
            id = BinaryPrimitives.ReadInt64LittleEndian(bytes) & long.MaxValue;
        }
        while (id == 0 || _groups.Exists(g => g.Id == id));

        return id;
    }

    private static string Ascii(string reason)
    {
        var chars = reason.Select(c => c is >= ' ' and <= '~' ? c : '?').Take(WireLimits.MaxAbandonReasonLength).ToArray();
        return new string(chars);
    }

    /// <summary>One group's state; its arrays are sized n when the roster is fixed.</summary>
    private sealed class Group(long id, DateTimeOffset deadline)
    {
        public long Id { get; } = id;

        /// <summary>The base version: the oldest any join trained from (fixed once the roster is out).</summary>
        public ulong ModelVersion => Versions.Min();

        public Phase Phase { get; private set; } = Phase.Forming;

        public DateTimeOffset Deadline { get; private set; } = deadline;

        public List<SecAggMember> Joins { get; } = [];

        /// <summary>The check-in rate each join declared, in the order of <see cref="Joins"/> (= roster order).</summary>
        public List<double> SamplingRates { get; } = [];

        /// <summary>The model version each join trained from, in the order of <see cref="Joins"/>.</summary>
        public List<ulong> Versions { get; } = [];

        /// <summary>The FTTE subset each join trained (content hash; empty = all parameters), in the order of <see cref="Joins"/>.</summary>
        public List<ReadOnlyMemory<byte>> SubsetIds { get; } = [];

        public SecAggRosterView? View { get; private set; }

        public bool[] SharesIn { get; private set; } = [];

        public List<SecAggEncryptedShare>[] Relay { get; private set; } = [];

        public bool[] MaskedIn { get; private set; } = [];

        public ushort[] MaskedSum { get; private set; } = [];

        public bool[] Answered { get; private set; } = [];

        public List<SecretShare>[] Shares { get; private set; } = [];

        public bool AllSurvivorsAnswered
        {
            get
            {
                for (int u = 0; u < MaskedIn.Length; u++)
                {
                    if (MaskedIn[u] && !Answered[u])
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        public void Start(SecAggRosterView view, DateTimeOffset sharesDeadline)
        {
            int n = view.Count;
            View = view;
            SharesIn = new bool[n];
            Relay = [.. Enumerable.Range(0, n).Select(_ => new List<SecAggEncryptedShare>(view.Graph.Degree))];
            MaskedIn = new bool[n];
            MaskedSum = new ushort[view.Encoding.PaddedDimension];
            Answered = new bool[n];
            Shares = [.. Enumerable.Range(0, n).Select(_ => new List<SecretShare>())];
            Advance(Phase.Sharing, sharesDeadline);
        }

        public void Advance(Phase phase, DateTimeOffset deadline)
        {
            Phase = phase;
            Deadline = deadline;
        }

        public void ReleaseRelay() => Relay = [];
    }

    /// <summary>Collects one step's output.</summary>
    private sealed class Builder
    {
        private readonly List<SecAggOutbound> _outbound = [];
        private readonly List<SecAggGroupOutcome> _outcomes = [];

        public void Send(string device, Action<SecAggServerMessage> body, string fleet)
        {
            var message = new SecAggServerMessage { ProtocolMajor = ProtocolVersion.Major, DeviceId = device, Fleet = fleet };
            body(message);
            _outbound.Add(new SecAggOutbound(device, message));
        }

        public void Outcome(SecAggGroupOutcome outcome) => _outcomes.Add(outcome);

        public SecAggCoordinatorStep Refuse(string reason) => new(_outbound, _outcomes, reason);

        public SecAggCoordinatorStep Build() => new(_outbound, _outcomes, null);
    }
}
