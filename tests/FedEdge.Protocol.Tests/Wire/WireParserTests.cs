using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Tests.Wire;

public class WireParserTests
{
    private readonly WireParser _parser = new();

    [Fact]
    public void ParseModelUpdate_returns_an_equal_message_for_a_valid_one()
    {
        ModelUpdate original = WireSamples.ModelUpdate();

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(original.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(original, result.Message);
    }

    [Fact]
    public void ParseGlobalModel_returns_an_equal_message_for_a_valid_one()
    {
        GlobalModel original = WireSamples.GlobalModel();

        ParseResult<GlobalModel> result = _parser.ParseGlobalModel(original.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(original, result.Message);
    }

    [Fact]
    public void ParseDeviceStatus_returns_an_equal_message_for_a_valid_one()
    {
        DeviceStatus original = WireSamples.DeviceStatus();

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus(original.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(original, result.Message);
    }

    [Fact]
    public void ParsePace_returns_an_equal_message_for_a_valid_one()
    {
        Pace original = WireSamples.Pace();

        ParseResult<Pace> result = _parser.ParsePace(original.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(original, result.Message);
    }

    [Fact]
    public void TryParseModelUpdate_gives_the_message_and_ok()
    {
        bool ok = _parser.TryParseModelUpdate(WireSamples.ModelUpdate().ToByteArray(), out ModelUpdate? message, out string reason);

        Assert.True(ok);
        Assert.NotNull(message);
        Assert.Equal("ok", reason);
    }

    [Theory]
    [InlineData("ModelUpdate", WireLimits.DefaultMaxModelUpdateBytes)]
    [InlineData("GlobalModel", WireLimits.DefaultMaxGlobalModelBytes)]
    [InlineData("DeviceStatus", WireLimits.DefaultMaxDeviceStatusBytes)]
    [InlineData("Pace", WireLimits.DefaultMaxPaceBytes)]
    public void Parse_rejects_an_oversized_buffer_before_parsing_and_allocates_little(string kind, int limit)
    {
        byte[] oversized = new byte[limit + 1];
        oversized.AsSpan().Fill(0x0A); // field 1 length-delimited, over and over: parsing it would allocate
        Func<ReadOnlySpan<byte>, (WireError Error, string Reason)> parse = Entry(_parser, kind);
        _ = parse(oversized); // warm-up: JIT and static initialisers allocate once

        long before = GC.GetAllocatedBytesForCurrentThread();
        (WireError error, string reason) = parse(oversized);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(WireError.TooLarge, error);
        Assert.Contains($"exceeds the limit of {limit} bytes", reason, StringComparison.Ordinal);
        Assert.True(allocated < 1024, $"rejecting {oversized.Length} bytes allocated {allocated} bytes");
    }

    [Fact]
    public void Parse_applies_a_configured_size_limit()
    {
        var parser = new WireParser(new WireLimits { MaxDeviceStatusBytes = 16 });

        ParseResult<DeviceStatus> result = parser.ParseDeviceStatus(WireSamples.DeviceStatus().ToByteArray());

        Assert.Equal(WireError.TooLarge, result.Error);
    }

    [Fact]
    public void Parse_rejects_a_newer_major_version_with_a_clear_message()
    {
        ModelUpdate update = WireSamples.ModelUpdate();
        update.ProtocolMajor = 2;

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(update.ToByteArray());

        Assert.Equal(WireError.UnsupportedVersion, result.Error);
        Assert.Equal("protocol major version 2 is not supported (this build speaks 1)", result.Reason);
    }

    [Fact]
    public void Parse_reports_the_major_version_even_when_the_rest_does_not_fit_this_schema()
    {
        byte[] v2 = [.. WireSamples.Tag(1, 0), 2, .. WireSamples.Tag(2, 2), 0xFF, 0xFF, 0x03];

        ParseResult<GlobalModel> result = _parser.ParseGlobalModel(v2);

        Assert.Equal(WireError.UnsupportedVersion, result.Error);
        Assert.Contains("protocol major version 2", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_a_message_without_a_major_version()
    {
        DeviceStatus status = WireSamples.DeviceStatus();
        status.ProtocolMajor = 0; // proto3 omits a zero: the field is absent on the wire

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus(status.ToByteArray());

        Assert.Equal(WireError.MissingVersion, result.Error);
    }

    [Fact]
    public void Parse_rejects_an_empty_buffer_as_missing_the_major_version()
    {
        ParseResult<Pace> result = _parser.ParsePace([]);

        Assert.Equal(WireError.MissingVersion, result.Error);
    }

    [Fact]
    public void Parse_keeps_an_unknown_field_appended_by_a_newer_minor_version()
    {
        byte[] original = WireSamples.ModelUpdate().ToByteArray();
        byte[] unknown = [.. WireSamples.Tag(99, 2), 3, (byte)'n', (byte)'e', (byte)'w'];
        byte[] extended = [.. original, .. unknown];

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(extended);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(extended, result.Message.ToByteArray());
    }

    [Fact]
    public void Parse_treats_a_known_field_with_the_wrong_wire_type_as_unknown()
    {
        byte[] original = WireSamples.DeviceStatus().ToByteArray();
        byte[] wrongType = [.. WireSamples.Tag(2, 0), 5]; // device_id (a string) sent as a varint

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus([.. original, .. wrongType]);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(WireSamples.DeviceStatus().DeviceId, result.Message.DeviceId);
    }

    [Fact]
    public void Parse_rejects_more_unknown_fields_than_the_limit()
    {
        var bytes = new List<byte>(WireSamples.Pace().ToByteArray());
        for (int i = 0; i <= WireLimits.DefaultMaxUnknownFields; i++)
        {
            bytes.AddRange(WireSamples.Tag(100 + i, 0));
            bytes.Add(1);
        }

        ParseResult<Pace> result = _parser.ParsePace([.. bytes]);

        Assert.Equal(WireError.TooComplex, result.Error);
        Assert.Contains("unknown fields", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_unknown_groups_nested_deeper_than_the_limit()
    {
        int depth = WireLimits.DefaultMaxDepth + 1;
        var bytes = new List<byte>(WireSamples.DeviceStatus().ToByteArray());
        for (int i = 0; i < depth; i++)
        {
            bytes.AddRange(WireSamples.Tag(50, 3));
        }

        for (int i = 0; i < depth; i++)
        {
            bytes.AddRange(WireSamples.Tag(50, 4));
        }

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus([.. bytes]);

        Assert.Equal(WireError.TooComplex, result.Error);
        Assert.Contains("nested deeper", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_accepts_a_shallow_unknown_group()
    {
        byte[] group = [.. WireSamples.Tag(50, 3), .. WireSamples.Tag(1, 0), 7, .. WireSamples.Tag(50, 4)];

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus([.. WireSamples.DeviceStatus().ToByteArray(), .. group]);

        Assert.True(result.Succeeded, result.Reason);
    }

    [Fact]
    public void Parse_rejects_more_field_tags_than_the_limit()
    {
        var bytes = new List<byte>(WireSamples.GlobalModel().ToByteArray());
        for (int i = 0; i < WireLimits.DefaultMaxTags; i++)
        {
            bytes.AddRange(WireSamples.Tag(8, 2)); // an empty SubsetAssignment, repeated
            bytes.Add(0);
        }

        ParseResult<GlobalModel> result = _parser.ParseGlobalModel([.. bytes]);

        Assert.Equal(WireError.TooComplex, result.Error);
        Assert.Contains("field tags", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_more_packed_elements_than_the_limit()
    {
        var parser = new WireParser(new WireLimits { MaxPackedElements = 1000 });
        var assignment = new List<byte>(WireSamples.Tag(3, 2));
        WireSamples.AppendVarint(assignment, 1001);
        assignment.AddRange(Enumerable.Repeat((byte)1, 1001));
        var bytes = new List<byte>(WireSamples.GlobalModel().ToByteArray());
        bytes.AddRange(WireSamples.Tag(8, 2));
        WireSamples.AppendVarint(bytes, (ulong)assignment.Count);
        bytes.AddRange(assignment);

        ParseResult<GlobalModel> result = parser.ParseGlobalModel([.. bytes]);

        Assert.Equal(WireError.TooComplex, result.Error);
        Assert.Contains("packed", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_a_truncated_message_as_malformed()
    {
        byte[] full = WireSamples.ModelUpdate().ToByteArray();

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(full.AsSpan(0, full.Length - 3));

        Assert.Equal(WireError.Malformed, result.Error);
    }

    [Fact]
    public void Parse_rejects_a_length_that_runs_past_the_end()
    {
        byte[] bytes = [.. WireSamples.Tag(1, 0), 1, .. WireSamples.Tag(8, 2), 0xFF, 0xFF, 0xFF, 0xFF, 0x07];

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(bytes);

        Assert.Equal(WireError.Malformed, result.Error);
        Assert.Contains("runs past the end", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_field_number_zero()
    {
        byte[] bytes = [.. WireSamples.Tag(1, 0), 1, 0x00, 0x01];

        ParseResult<Pace> result = _parser.ParsePace(bytes);

        Assert.Equal(WireError.Malformed, result.Error);
        Assert.Contains("field number 0", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WireParser_rejects_limits_that_are_not_positive_naming_each()
    {
        var limits = new WireLimits { MaxTags = 0, MaxPaceBytes = -1 };

        var error = Assert.Throws<ArgumentException>(() => new WireParser(limits));

        Assert.Contains("MaxTags", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPaceBytes", error.Message, StringComparison.Ordinal);
    }

    internal static Func<ReadOnlySpan<byte>, (WireError Error, string Reason)> Entry(WireParser parser, string kind) => kind switch
    {
        "ModelUpdate" => data => Summary(parser.ParseModelUpdate(data)),
        "GlobalModel" => data => Summary(parser.ParseGlobalModel(data)),
        "DeviceStatus" => data => Summary(parser.ParseDeviceStatus(data)),
        "Pace" => data => Summary(parser.ParsePace(data)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static (WireError Error, string Reason) Summary<T>(ParseResult<T> result)
        where T : class => (result.Error, result.Reason);
}
