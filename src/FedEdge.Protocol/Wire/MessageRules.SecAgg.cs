using System.Globalization;
using FedEdge.Core.SecretSharing;
using FedEdge.Core.SecureAggregation;
using FedEdge.Protocol.SecureAggregation;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// The rules of the secure-aggregation messages that hold for any group: field presence, lengths, ranges, distinct
/// indices. Whether a message fits <em>its</em> group (the roster's size, a neighbour, a phase) is the state machines'
/// check (SecAggParticipant, SecAggGroupCoordinator), which have the group.
/// </summary>
internal static partial class MessageRules
{
    /// <summary>p = 2⁶¹ − 1, the field of the Shamir shares (a value at or above it is no field element).</summary>
    private const ulong FieldModulus = (1UL << 61) - 1;

    /// <summary>Most limbs in one share (a 64-byte secret).</summary>
    private static readonly int MaxShareLimbs = ShamirSecretSharing.LimbCount(ShamirSecretSharing.MaxSecretBytes);

    public static string? Check(SecAggDeviceMessage m, WireLimits limits)
    {
        string? error = WireIdentifier.Check(m.DeviceId, "device_id") ?? WireIdentifier.Check(m.Fleet, "fleet");
        if (error is not null)
        {
            return error;
        }

        return m.BodyCase switch
        {
            SecAggDeviceMessage.BodyOneofCase.Join =>
                (m.Join.ModelVersion == 0 ? "join.model_version is 0 (versions start at 1)" : null)
                ?? PublicKey(m.Join.ChannelPublicKey, "join.channel_public_key")
                ?? PublicKey(m.Join.MaskPublicKey, "join.mask_public_key")
                ?? NonNegativeFinite(m.Join.SamplingRate, "join.sampling_rate")
                ?? (m.Join.SamplingRate > 1.0 ? "join.sampling_rate is above 1" : null)
                ?? HashOrEmpty(m.Join.SubsetId, "join.subset_id"),
            SecAggDeviceMessage.BodyOneofCase.Shares => Shares(m.Shares, limits, "shares"),
            SecAggDeviceMessage.BodyOneofCase.MaskedInput =>
                GroupId(m.MaskedInput.GroupId, "masked_input")
                ?? (m.MaskedInput.Masked.IsEmpty ? "masked_input.masked is empty" : null),
            SecAggDeviceMessage.BodyOneofCase.UnmaskShares =>
                GroupId(m.UnmaskShares.GroupId, "unmask_shares")
                ?? ShareValues(m.UnmaskShares.SelfMaskShares, limits, "unmask_shares.self_mask_shares")
                ?? ShareValues(m.UnmaskShares.MaskKeyShares, limits, "unmask_shares.mask_key_shares")
                ?? (m.UnmaskShares.SelfMaskShares.Count + m.UnmaskShares.MaskKeyShares.Count > limits.MaxSecAggGroupSize
                    ? string.Create(CultureInfo.InvariantCulture, $"unmask_shares answers for more than {limits.MaxSecAggGroupSize} neighbours")
                    : null),
            _ => "the message has no body (join, shares, masked_input or unmask_shares)",
        };
    }

    public static string? Check(SecAggServerMessage m, WireLimits limits)
    {
        string? error = WireIdentifier.Check(m.DeviceId, "device_id") ?? WireIdentifier.Check(m.Fleet, "fleet");
        if (error is not null)
        {
            return error;
        }

        return m.BodyCase switch
        {
            SecAggServerMessage.BodyOneofCase.Roster => Roster(m.Roster, limits),
            SecAggServerMessage.BodyOneofCase.Shares => Shares(m.Shares, limits, "shares"),
            SecAggServerMessage.BodyOneofCase.UnmaskRequest => UnmaskRequest(m.UnmaskRequest, limits),
            SecAggServerMessage.BodyOneofCase.Abandoned =>
                GroupId(m.Abandoned.GroupId, "abandoned")
                ?? (m.Abandoned.Reason.Length > WireLimits.MaxAbandonReasonLength || m.Abandoned.Reason.Any(c => c < 0x20 || c > 0x7E)
                    ? string.Create(CultureInfo.InvariantCulture, $"abandoned.reason must be printable ASCII of at most {WireLimits.MaxAbandonReasonLength} characters")
                    : null),
            _ => "the message has no body (roster, shares, unmask_request or abandoned)",
        };
    }

    private static string? Roster(SecAggRoster r, WireLimits limits)
    {
        int n = r.Members.Count;
        string? error = GroupId(r.GroupId, "roster")
            ?? (r.ModelVersion == 0 ? "roster.model_version is 0 (versions start at 1)" : null)
            ?? Exactly(r.RoundSeed, MaskExpander.SeedBytes, "roster.round_seed")
            ?? (n < 2 || n > limits.MaxSecAggGroupSize
                ? string.Create(CultureInfo.InvariantCulture, $"roster has {n} members (2 to {limits.MaxSecAggGroupSize})")
                : null)
            ?? (r.Degree < 2 || r.Degree > n - 1
                ? string.Create(CultureInfo.InvariantCulture, $"roster.degree {r.Degree} is not in [2, {n - 1}]")
                : null)
            ?? (r.Threshold < 2 || r.Threshold > r.Degree
                ? string.Create(CultureInfo.InvariantCulture, $"roster.threshold {r.Threshold} is not in [2, degree {r.Degree}]")
                : null)
            ?? (r.MinimumSurvivors < 1 || r.MinimumSurvivors > n
                ? string.Create(CultureInfo.InvariantCulture, $"roster.minimum_survivors {r.MinimumSurvivors} is not in [1, {n}]")
                : null)
            ?? Encoding(r.Encoding, n)
            ?? Timestamp(r.SharesDeadlineUnixMs, "roster.shares_deadline_unix_ms")
            ?? Timestamp(r.MaskedInputDeadlineUnixMs, "roster.masked_input_deadline_unix_ms")
            ?? Timestamp(r.UnmaskDeadlineUnixMs, "roster.unmask_deadline_unix_ms")
            ?? (r.SharesDeadlineUnixMs <= r.MaskedInputDeadlineUnixMs && r.MaskedInputDeadlineUnixMs <= r.UnmaskDeadlineUnixMs
                ? null
                : "roster deadlines are not in protocol order (shares ≤ masked input ≤ unmask)");
        if (error is not null)
        {
            return error;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            SecAggMember member = r.Members[i];
            string what = string.Create(CultureInfo.InvariantCulture, $"roster.members[{i}]");
            error = WireIdentifier.Check(member.DeviceId, what + ".device_id")
                ?? (ids.Add(member.DeviceId) ? null : what + ".device_id repeats an earlier member")
                ?? PublicKey(member.ChannelPublicKey, what + ".channel_public_key")
                ?? PublicKey(member.MaskPublicKey, what + ".mask_public_key");
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? Encoding(SecAggEncoding? e, int groupSize)
    {
        if (e is null)
        {
            return "roster.encoding is missing";
        }

        return (e.Dimension < 1 || e.Dimension > 1 << 24 ? "roster.encoding.dimension is not in [1, 2^24]" : null)
            ?? Positive(e.ClipNorm, "roster.encoding.clip_norm")
            ?? Positive(e.Gamma, "roster.encoding.gamma")
            ?? (e.Bits < 1 || e.Bits > ModularVector.MaxBits
                ? string.Create(CultureInfo.InvariantCulture, $"roster.encoding.bits is not in [1, {ModularVector.MaxBits}]")
                : null)
            ?? (double.IsFinite(e.Beta) && e.Beta >= 0.0 && e.Beta < 1.0 ? null : "roster.encoding.beta is not in [0, 1)")
            ?? Positive(e.NoiseMultiplier, "roster.encoding.noise_multiplier")
            ?? (e.NoiseSurvivors < 1 ? "roster.encoding.noise_survivors is 0" : null)
            ?? (e.MaximumGroupSize < e.NoiseSurvivors || e.MaximumGroupSize < groupSize
                ? "roster.encoding.maximum_group_size is below noise_survivors or the group"
                : null)
            ?? Positive(e.LocalVariance, "roster.encoding.local_variance");
    }

    private static string? Shares(SecAggShares s, WireLimits limits, string what)
    {
        string? error = GroupId(s.GroupId, what);
        if (error is not null)
        {
            return error;
        }

        if (s.Shares.Count == 0 || s.Shares.Count > limits.MaxSecAggGroupSize)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{what} carries {s.Shares.Count} shares (1 to {limits.MaxSecAggGroupSize})");
        }

        var peers = new HashSet<uint>();
        for (int i = 0; i < s.Shares.Count; i++)
        {
            SecAggEncryptedShare share = s.Shares[i];
            string item = string.Create(CultureInfo.InvariantCulture, $"{what}.shares[{i}]");
            error = Index(share.PeerIndex, limits, item + ".peer_index")
                ?? (peers.Add(share.PeerIndex) ? null : item + ".peer_index repeats an earlier share")
                ?? Exactly(share.Ciphertext, ShareChannel.SealedBytes, item + ".ciphertext");
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? UnmaskRequest(SecAggUnmaskRequest u, WireLimits limits)
    {
        string? error = GroupId(u.GroupId, "unmask_request");
        if (error is not null)
        {
            return error;
        }

        if (u.Survivors.Count + u.Dropped.Count > limits.MaxSecAggGroupSize)
        {
            return string.Create(CultureInfo.InvariantCulture, $"unmask_request lists more than {limits.MaxSecAggGroupSize} members");
        }

        var seen = new HashSet<uint>();
        return Indices(u.Survivors, "unmask_request.survivors") ?? Indices(u.Dropped, "unmask_request.dropped");

        string? Indices(RepeatedField<uint> list, string name)
        {
            for (int i = 0; i < list.Count; i++)
            {
                string item = string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]");
                string? e = Index(list[i], limits, item) ?? (seen.Add(list[i]) ? null : item + " is listed twice (in survivors or dropped)");
                if (e is not null)
                {
                    return e;
                }
            }

            return null;
        }
    }

    private static string? ShareValues(RepeatedField<SecAggShareValue> values, WireLimits limits, string what)
    {
        var owners = new HashSet<uint>();
        for (int i = 0; i < values.Count; i++)
        {
            SecAggShareValue value = values[i];
            string item = string.Create(CultureInfo.InvariantCulture, $"{what}[{i}]");
            string? error = Index(value.OwnerIndex, limits, item + ".owner_index")
                ?? (owners.Add(value.OwnerIndex) ? null : item + ".owner_index repeats an earlier share")
                ?? (value.ShareIndex < 1 || value.ShareIndex > ShamirSecretSharing.MaxShares
                    ? string.Create(CultureInfo.InvariantCulture, $"{item}.share_index is not in [1, {ShamirSecretSharing.MaxShares}]")
                    : null)
                ?? (value.Values.Count < 1 || value.Values.Count > MaxShareLimbs
                    ? string.Create(CultureInfo.InvariantCulture, $"{item} has {value.Values.Count} values (1 to {MaxShareLimbs})")
                    : null)
                ?? (value.Values.All(v => v < FieldModulus) ? null : item + " has a value outside GF(2^61 - 1)");
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? GroupId(long groupId, string what) => groupId > 0 ? null : what + ".group_id must be positive";

    private static string? Index(uint index, WireLimits limits, string what) =>
        index < (uint)limits.MaxSecAggGroupSize
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{what} is not below the largest group ({limits.MaxSecAggGroupSize})");

    private static string? PublicKey(ByteString key, string what) =>
        key.Length == SecAggKeyPair.PublicKeyBytes && key[0] == 0x04
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{what} is not a {SecAggKeyPair.PublicKeyBytes}-byte uncompressed P-256 point");

    private static string? Positive(double value, string what) =>
        double.IsFinite(value) && value > 0.0 ? null : what + " must be positive and finite";
}
