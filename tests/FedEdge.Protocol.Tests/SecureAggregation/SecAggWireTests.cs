using FedEdge.Protocol.SecureAggregation;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Tests.SecureAggregation;

/// <summary>The secure-aggregation messages through <see cref="WireParser"/>: valid ones pass, each rule broken alone is named.</summary>
public class SecAggWireTests
{
    private static readonly WireParser Parser = new();

    private static ByteString Key(byte fill)
    {
        var key = new byte[SecAggKeyPair.PublicKeyBytes];
        key.AsSpan().Fill(fill);
        key[0] = 0x04;
        return ByteString.CopyFrom(key);
    }

    internal static SecAggServerMessage Roster(int members = 5)
    {
        var roster = new SecAggRoster
        {
            GroupId = 77,
            ModelVersion = 3,
            RoundSeed = ByteString.CopyFrom(new byte[32]),
            Degree = 4,
            Threshold = 3,
            MinimumSurvivors = 3,
            Encoding = new SecAggEncoding
            {
                Dimension = 10, ClipNorm = 1, Gamma = 0.01, Bits = 16, Beta = 0.6, NoiseMultiplier = 1, NoiseSurvivors = 3,
                MaximumGroupSize = (uint)members, LocalVariance = 100,
            },
            SharesDeadlineUnixMs = 1_000,
            MaskedInputDeadlineUnixMs = 2_000,
            UnmaskDeadlineUnixMs = 3_000,
        };
        for (int i = 0; i < members; i++)
        {
            roster.Members.Add(new SecAggMember { DeviceId = $"d{i}", ChannelPublicKey = Key((byte)i), MaskPublicKey = Key((byte)(i + 100)) });
        }

        return new SecAggServerMessage { ProtocolMajor = ProtocolVersion.Major, DeviceId = "d0", Fleet = "home", Roster = roster };
    }

    private static SecAggDeviceMessage Device(Action<SecAggDeviceMessage> body)
    {
        var message = new SecAggDeviceMessage { ProtocolMajor = ProtocolVersion.Major, DeviceId = "d1", Fleet = "home" };
        body(message);
        return message;
    }

    private static SecAggDeviceMessage Join() => Device(m => m.Join = new SecAggJoin { ModelVersion = 3, ChannelPublicKey = Key(1), MaskPublicKey = Key(2), SamplingRate = 0.1 });

    private static SecAggDeviceMessage Shares() => Device(m =>
    {
        m.Shares = new SecAggShares { GroupId = 77 };
        m.Shares.Shares.Add(new SecAggEncryptedShare { PeerIndex = 0, Ciphertext = ByteString.CopyFrom(new byte[ShareChannel.SealedBytes]) });
        m.Shares.Shares.Add(new SecAggEncryptedShare { PeerIndex = 2, Ciphertext = ByteString.CopyFrom(new byte[ShareChannel.SealedBytes]) });
    });

    private static SecAggDeviceMessage Unmask() => Device(m =>
    {
        m.UnmaskShares = new SecAggUnmaskShares { GroupId = 77 };
        var value = new SecAggShareValue { OwnerIndex = 0, ShareIndex = 2 };
        value.Values.Add([1UL, 2, 3, 4, 5]);
        m.UnmaskShares.SelfMaskShares.Add(value);
    });

    public static TheoryData<string> ValidDeviceMessages => ["join", "shares", "masked", "unmask"];

    [Theory]
    [MemberData(nameof(ValidDeviceMessages))]
    public void Valid_device_messages_parse(string kind)
    {
        SecAggDeviceMessage message = kind switch
        {
            "join" => Join(),
            "shares" => Shares(),
            "masked" => Device(m => m.MaskedInput = new SecAggMaskedInput { GroupId = 77, Masked = ByteString.CopyFrom(new byte[20]) }),
            _ => Unmask(),
        };

        ParseResult<SecAggDeviceMessage> parsed = Parser.ParseSecAggDeviceMessage(message.ToByteArray());

        Assert.True(parsed.Succeeded, parsed.Reason);
        Assert.Equal(message, parsed.Message);
    }

    [Fact]
    public void A_valid_roster_of_a_thousand_members_parses_although_it_has_more_tags_than_the_small_messages_may()
    {
        SecAggServerMessage roster = Roster(1000);
        byte[] bytes = roster.ToByteArray();

        ParseResult<SecAggServerMessage> parsed = Parser.ParseSecAggServerMessage(bytes);

        Assert.True(parsed.Succeeded, parsed.Reason);
        Assert.True(bytes.Length < WireLimits.DefaultMaxSecAggServerMessageBytes, $"{bytes.Length} bytes");
    }

    private static readonly Dictionary<string, (Func<SecAggDeviceMessage> Make, string Reason)> DeviceCases = new()
    {
        ["no body"] = (() => Device(_ => { }), "has no body"),
        ["device id with a slash"] = (() => Device(m => { m.DeviceId = "a/b"; m.Join = Join().Join; }), "device_id has a character outside"),
        ["join for version 0"] = (() => Device(m => m.Join = new SecAggJoin { ChannelPublicKey = Key(1), MaskPublicKey = Key(2) }), "join.model_version is 0"),
        ["join with a 33-byte key"] = (() => Device(m => m.Join = new SecAggJoin { ModelVersion = 1, ChannelPublicKey = ByteString.CopyFrom(new byte[33]), MaskPublicKey = Key(2) }), "join.channel_public_key is not a 65-byte"),
        ["join with a compressed key"] = (() => Device(m => { m.Join = Join().Join; m.Join.MaskPublicKey = ByteString.CopyFrom(new byte[65]); }), "join.mask_public_key is not"),
        ["join with a check-in rate above 1"] = (() => Device(m => { m.Join = Join().Join; m.Join.SamplingRate = 1.5; }), "join.sampling_rate is above 1"),
        ["join with a negative check-in rate"] = (() => Device(m => { m.Join = Join().Join; m.Join.SamplingRate = -0.1; }), "join.sampling_rate"),
        ["join with a check-in rate of NaN"] = (() => Device(m => { m.Join = Join().Join; m.Join.SamplingRate = double.NaN; }), "join.sampling_rate"),
        ["join with a subset id that is no hash"] = (() => Device(m => { m.Join = Join().Join; m.Join.SubsetId = ByteString.CopyFrom(new byte[31]); }), "join.subset_id is 31 bytes, must be empty or 32"),
        ["shares for group 0"] = (() => Device(m => { m.Shares = Shares().Shares; m.Shares.GroupId = 0; }), "shares.group_id must be positive"),
        ["shares to one peer twice"] = (() => Device(m => { m.Shares = Shares().Shares; m.Shares.Shares[1].PeerIndex = 0; }), "shares.shares[1].peer_index repeats"),
        ["shares with a short ciphertext"] = (() => Device(m => { m.Shares = Shares().Shares; m.Shares.Shares[0].Ciphertext = ByteString.CopyFrom(new byte[50]); }), "shares.shares[0].ciphertext is 50 bytes"),
        ["shares to an index beyond any group"] = (() => Device(m => { m.Shares = Shares().Shares; m.Shares.Shares[0].PeerIndex = 5000; }), "peer_index is not below the largest group"),
        ["empty masked input"] = (() => Device(m => m.MaskedInput = new SecAggMaskedInput { GroupId = 77 }), "masked_input.masked is empty"),
        ["share value outside the field"] = (() => Device(m => { m.UnmaskShares = Unmask().UnmaskShares; m.UnmaskShares.SelfMaskShares[0].Values[2] = ulong.MaxValue; }), "outside GF(2^61 - 1)"),
        ["share at index 0"] = (() => Device(m => { m.UnmaskShares = Unmask().UnmaskShares; m.UnmaskShares.SelfMaskShares[0].ShareIndex = 0; }), "share_index is not in [1, 65535]"),
        ["share of no limbs"] = (() => Device(m => { m.UnmaskShares = Unmask().UnmaskShares; m.UnmaskShares.SelfMaskShares[0].Values.Clear(); }), "has 0 values"),
    };

    public static TheoryData<string> DeviceCaseNames => [.. DeviceCases.Keys];

    [Theory]
    [MemberData(nameof(DeviceCaseNames))]
    public void A_broken_device_message_is_rejected_with_the_field_named(string name)
    {
        (Func<SecAggDeviceMessage> make, string reason) = DeviceCases[name];

        ParseResult<SecAggDeviceMessage> parsed = Parser.ParseSecAggDeviceMessage(make().ToByteArray());

        Assert.Equal(WireError.InvalidField, parsed.Error);
        Assert.Contains(reason, parsed.Reason, StringComparison.Ordinal);
    }

    private static readonly Dictionary<string, (Action<SecAggServerMessage> Break, string Reason)> RosterCases = new()
    {
        ["round seed of 31 bytes"] = (m => m.Roster.RoundSeed = ByteString.CopyFrom(new byte[31]), "roster.round_seed is 31 bytes"),
        ["one member"] = (m => { var first = m.Roster.Members[0]; m.Roster.Members.Clear(); m.Roster.Members.Add(first); }, "roster has 1 members"),
        ["member twice"] = (m => m.Roster.Members[3].DeviceId = "d1", "roster.members[3].device_id repeats"),
        ["member with a bad key"] = (m => m.Roster.Members[2].MaskPublicKey = ByteString.CopyFrom(new byte[64]), "roster.members[2].mask_public_key"),
        ["degree above n − 1"] = (m => m.Roster.Degree = 5, "roster.degree 5 is not in [2, 4]"),
        ["threshold 1"] = (m => m.Roster.Threshold = 1, "roster.threshold 1"),
        ["threshold above the degree"] = (m => m.Roster.Threshold = 5, "roster.threshold 5"),
        ["minimum survivors above n"] = (m => m.Roster.MinimumSurvivors = 6, "roster.minimum_survivors 6"),
        ["no encoding"] = (m => m.Roster.Encoding = null, "roster.encoding is missing"),
        ["17 bits"] = (m => m.Roster.Encoding.Bits = 17, "roster.encoding.bits"),
        ["gamma NaN"] = (m => m.Roster.Encoding.Gamma = double.NaN, "roster.encoding.gamma must be positive"),
        ["beta of 1"] = (m => m.Roster.Encoding.Beta = 1, "roster.encoding.beta"),
        ["maximum group below the group"] = (m => m.Roster.Encoding.MaximumGroupSize = 4, "maximum_group_size is below"),
        ["zero variance"] = (m => m.Roster.Encoding.LocalVariance = 0, "roster.encoding.local_variance"),
        ["deadlines out of order"] = (m => m.Roster.MaskedInputDeadlineUnixMs = 500, "deadlines are not in protocol order"),
        ["unmask request listing a member twice"] = (m => m.UnmaskRequest = new SecAggUnmaskRequest { GroupId = 1, Survivors = { 0, 1 }, Dropped = { 1 } }, "unmask_request.dropped[0] is listed twice"),
        ["abandoned with a control character"] = (m => m.Abandoned = new SecAggAbandoned { GroupId = 1, Reason = "bad\n" }, "abandoned.reason must be printable ASCII"),
    };

    public static TheoryData<string> RosterCaseNames => [.. RosterCases.Keys];

    [Theory]
    [MemberData(nameof(RosterCaseNames))]
    public void A_broken_server_message_is_rejected_with_the_field_named(string name)
    {
        SecAggServerMessage message = Roster();
        (Action<SecAggServerMessage> breakIt, string reason) = RosterCases[name];
        breakIt(message);

        ParseResult<SecAggServerMessage> parsed = Parser.ParseSecAggServerMessage(message.ToByteArray());

        Assert.Equal(WireError.InvalidField, parsed.Error);
        Assert.Contains(reason, parsed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_and_malformed_buffers_are_rejected_before_parsing()
    {
        var parser = new WireParser(new WireLimits { MaxSecAggDeviceMessageBytes = 1000 });
        byte[] big = Device(m => m.MaskedInput = new SecAggMaskedInput { GroupId = 1, Masked = ByteString.CopyFrom(new byte[1000]) }).ToByteArray();

        Assert.Equal(WireError.TooLarge, parser.ParseSecAggDeviceMessage(big).Error);
        Assert.Equal(WireError.Malformed, parser.ParseSecAggDeviceMessage(big.AsSpan(0, 500)).Error);
        Assert.Equal(WireError.MissingVersion, parser.ParseSecAggDeviceMessage(new SecAggDeviceMessage { DeviceId = "d", Fleet = "f", Join = Join().Join }.ToByteArray()).Error);
    }

    [Fact]
    public void A_server_message_over_the_tag_limit_is_too_complex()
    {
        var parser = new WireParser(new WireLimits { MaxSecAggTags = 100 });

        Assert.Equal(WireError.TooComplex, parser.ParseSecAggServerMessage(Roster(30).ToByteArray()).Error);
    }
}
