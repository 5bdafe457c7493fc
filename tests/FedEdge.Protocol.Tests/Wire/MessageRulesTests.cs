using FedEdge.Core.Codecs;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Tests.Wire;

/// <summary>Each semantic rule, broken one at a time on an otherwise valid message.</summary>
public class MessageRulesTests
{
    private static readonly Dictionary<string, (Action<ModelUpdate> Break, string Reason)> UpdateCases = new()
    {
        ["update id of 15 bytes"] = (m => m.UpdateId = ByteString.CopyFrom(new byte[15]), "update_id is 15 bytes"),
        ["update id of 17 bytes"] = (m => m.UpdateId = ByteString.CopyFrom(new byte[17]), "update_id is 17 bytes"),
        ["device id with a slash"] = (m => m.DeviceId = "a/b", "device_id has a character outside"),
        ["device id with a wildcard"] = (m => m.DeviceId = "a+", "device_id has a character outside"),
        ["device id empty"] = (m => m.DeviceId = "", "device_id is empty"),
        ["device id of 65 characters"] = (m => m.DeviceId = new string('d', 65), "device_id is 65 characters"),
        ["fleet with a space"] = (m => m.Fleet = "home 42", "fleet has a character outside"),
        ["base model version zero"] = (m => m.BaseModelVersion = 0, "base_model_version is 0"),
        ["subset id of 5 bytes"] = (m => m.SubsetId = ByteString.CopyFrom(new byte[5]), "subset_id is 5 bytes"),
        ["encoding unspecified"] = (m => m.Encoding = PayloadEncoding.Unspecified, "encoding 0 is not an encoding"),
        ["encoding unknown"] = (m => m.Encoding = (PayloadEncoding)99, "encoding 99 is not an encoding"),
        ["encoding disagrees with the payload header"] = (m => m.Encoding = PayloadEncoding.Float16, "payload header says DenseFloat32"),
        ["payload not a codec payload"] = (m => m.Payload = ByteString.CopyFromUtf8("hello, aggregator"), "payload header"),
        ["payload empty"] = (m => m.Payload = ByteString.Empty, "payload header"),
        ["dp missing"] = (m => m.Dp = null, "dp is missing"),
        ["dp mechanism unspecified"] = (m => m.Dp.Mechanism = DpMechanism.Unspecified, "dp.mechanism 0"),
        ["dp mechanism unknown"] = (m => m.Dp.Mechanism = (DpMechanism)42, "dp.mechanism 42"),
        ["noise multiplier NaN"] = (m => m.Dp.NoiseMultiplier = double.NaN, "dp.noise_multiplier must be finite"),
        ["noise multiplier negative"] = (m => m.Dp.NoiseMultiplier = -1, "dp.noise_multiplier must be finite and non-negative"),
        ["clip norm infinite"] = (m => m.Dp.ClipNorm = double.PositiveInfinity, "dp.clip_norm must be finite"),
        ["clip norm zero under DP"] = (m => m.Dp.ClipNorm = 0, "dp.clip_norm is 0"),
        ["sampling rate above 1"] = (m => m.Dp.SamplingRate = 1.5, "dp.sampling_rate is above 1"),
        ["steps zero under DP"] = (m => m.Dp.Steps = 0, "dp.steps must be positive"),
        ["privacy spent missing"] = (m => m.PrivacySpent = null, "privacy_spent is missing"),
        ["epsilon infinite"] = (m => m.PrivacySpent.Epsilon = double.PositiveInfinity, "privacy_spent.epsilon must be finite"),
        ["epsilon negative"] = (m => m.PrivacySpent.Epsilon = -0.1, "privacy_spent.epsilon must be finite"),
        ["delta of 1"] = (m => m.PrivacySpent.Delta = 1.0, "privacy_spent.delta is not below 1"),
        ["sample count zero"] = (m => m.SampleCount = 0, "sample_count is 0"),
        ["created at zero"] = (m => m.CreatedAtUnixMs = 0, "created_at_unix_ms must be a positive"),
        ["created at negative"] = (m => m.CreatedAtUnixMs = -5, "created_at_unix_ms must be a positive"),
        ["created at after year 9999"] = (m => m.CreatedAtUnixMs = long.MaxValue, "created_at_unix_ms must be a positive"),
    };

    private static readonly Dictionary<string, (Action<GlobalModel> Break, string Reason)> ModelCases = new()
    {
        ["version zero"] = (m => m.Version = 0, "version is 0"),
        ["fleet with a hash"] = (m => m.Fleet = "home#", "fleet has a character outside"),
        ["architecture empty"] = (m => m.Architecture = "", "architecture must be 1..128"),
        ["architecture of 129 characters"] = (m => m.Architecture = new string('a', 129), "architecture must be 1..128"),
        ["architecture with a newline"] = (m => m.Architecture = "mlp\n", "architecture has a character outside printable ASCII"),
        ["architecture hash of 31 bytes"] = (m => m.ArchitectureHash = ByteString.CopyFrom(new byte[31]), "architecture_hash is 31 bytes"),
        ["parameters encoding unspecified"] = (m => m.ParametersEncoding = PayloadEncoding.Unspecified, "parameters_encoding 0"),
        ["parameters empty"] = (m => m.Parameters = ByteString.Empty, "parameters header"),
        ["memory class duplicated"] = (m => m.Subsets[1].MemoryClass = m.Subsets[0].MemoryClass, "subsets[1].memory_class repeats"),
        ["memory class with a slash"] = (m => m.Subsets[0].MemoryClass = "a/b", "subsets[0].memory_class has a character outside"),
        ["subset id not the hash of the indices"] = (m => m.Subsets[0].IndexDeltas[3] += 1, "subset_id is not the SHA-256 of the indices"),
        ["index delta of zero"] = (m => m.Subsets[0].IndexDeltas[2] = 0, "index delta 2 is 0"),
        ["subset id without indices"] = (m => m.Subsets[0].IndexDeltas.Clear(), "must both be empty"),
        ["indices without a subset id"] = (m => m.Subsets[0].SubsetId = ByteString.Empty, "must both be empty"),
        ["subset id of 8 bytes"] = (m => m.Subsets[0].SubsetId = ByteString.CopyFrom(new byte[8]), "subset_id is 8 bytes"),
        ["index beyond the largest tensor"] = (m => m.Subsets[0].IndexDeltas.Add(uint.MaxValue), "exceeds the largest parameter index"),
        ["too many subset assignments"] = (AddAssignments, "17 subset assignments (at most 16)"),
        ["created at zero"] = (m => m.CreatedAtUnixMs = 0, "created_at_unix_ms must be a positive"),
        ["key id with a dot"] = (m => m.KeyId = "key.1", "key_id has a character outside"),
        ["signature of 513 bytes"] = (m => m.Signature = ByteString.CopyFrom(new byte[513]), "signature is 513 bytes"),
    };

    private static readonly Dictionary<string, (Action<DeviceStatus> Break, string Reason)> StatusCases = new()
    {
        ["device id with a slash"] = (m => m.DeviceId = "x/y", "device_id has a character outside"),
        ["fleet empty"] = (m => m.Fleet = "", "fleet is empty"),
        ["state unspecified"] = (m => m.State = DeviceState.Unspecified, "state is unspecified"),
        ["compute score NaN"] = (m => m.ComputeScore = double.NaN, "compute_score must be finite"),
        ["compute score negative"] = (m => m.ComputeScore = -1, "compute_score must be finite and non-negative"),
        ["power source unspecified"] = (m => m.PowerSource = PowerSource.Unspecified, "power_source is unspecified"),
        ["epsilon left negative"] = (m => m.PrivacyEpsilonLeft = -1, "privacy_epsilon_left must be finite"),
        ["epsilon left infinite"] = (m => m.PrivacyEpsilonLeft = double.PositiveInfinity, "privacy_epsilon_left must be finite"),
        ["timestamp zero"] = (m => m.TimestampUnixMs = 0, "timestamp_unix_ms must be a positive"),
    };

    private static readonly Dictionary<string, (Action<Pace> Break, string Reason)> PaceCases = new()
    {
        ["fleet with a plus"] = (m => m.Fleet = "a+b", "fleet has a character outside"),
        ["window of zero seconds"] = (m => m.Windows[0].WindowSeconds = 0, "windows[0].window_seconds is 0"),
        ["memory class duplicated"] = (m => m.Windows[1].MemoryClass = "small", "windows[1].memory_class repeats"),
        ["memory class empty"] = (m => m.Windows[0].MemoryClass = "", "windows[0].memory_class is empty"),
        ["too many windows"] = (AddWindows, "17 check-in windows (at most 16)"),
        ["created at zero"] = (m => m.CreatedAtUnixMs = 0, "created_at_unix_ms must be a positive"),
    };

    private readonly WireParser _parser = new();

    public static TheoryData<string> UpdateCaseNames => [.. UpdateCases.Keys];

    public static TheoryData<string> ModelCaseNames => [.. ModelCases.Keys];

    public static TheoryData<string> StatusCaseNames => [.. StatusCases.Keys];

    public static TheoryData<string> PaceCaseNames => [.. PaceCases.Keys];

    [Theory]
    [MemberData(nameof(UpdateCaseNames))]
    public void ParseModelUpdate_rejects_a_message_that_breaks_a_rule(string rule)
    {
        ModelUpdate message = WireSamples.ModelUpdate();
        UpdateCases[rule].Break(message);

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(message.ToByteArray());

        AssertRejected(result.Error, result.Reason, UpdateCases[rule].Reason);
    }

    [Theory]
    [MemberData(nameof(ModelCaseNames))]
    public void ParseGlobalModel_rejects_a_message_that_breaks_a_rule(string rule)
    {
        GlobalModel message = WireSamples.GlobalModel();
        ModelCases[rule].Break(message);

        ParseResult<GlobalModel> result = _parser.ParseGlobalModel(message.ToByteArray());

        AssertRejected(result.Error, result.Reason, ModelCases[rule].Reason);
    }

    [Theory]
    [MemberData(nameof(StatusCaseNames))]
    public void ParseDeviceStatus_rejects_a_message_that_breaks_a_rule(string rule)
    {
        DeviceStatus message = WireSamples.DeviceStatus();
        StatusCases[rule].Break(message);

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus(message.ToByteArray());

        AssertRejected(result.Error, result.Reason, StatusCases[rule].Reason);
    }

    [Theory]
    [MemberData(nameof(PaceCaseNames))]
    public void ParsePace_rejects_a_message_that_breaks_a_rule(string rule)
    {
        Pace message = WireSamples.Pace();
        PaceCases[rule].Break(message);

        ParseResult<Pace> result = _parser.ParsePace(message.ToByteArray());

        AssertRejected(result.Error, result.Reason, PaceCases[rule].Reason);
    }

    [Fact]
    public void ParseModelUpdate_rejects_a_sparse_subset_payload_without_a_subset_id()
    {
        ModelUpdate message = WireSamples.ModelUpdate();
        message.Encoding = PayloadEncoding.SparseSubset;
        byte[] payload = message.Payload.ToByteArray();
        payload[3] = (byte)UpdateEncoding.SparseSubset; // the header's encoding byte agrees with the field
        message.Payload = ByteString.CopyFrom(payload);

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(message.ToByteArray());

        AssertRejected(result.Error, result.Reason, "a sparse-subset payload needs a subset_id");
    }

    [Fact]
    public void ParseModelUpdate_accepts_an_update_without_noise_when_the_mechanism_is_none()
    {
        ModelUpdate message = WireSamples.ModelUpdate();
        message.Dp = new DpParameters { Mechanism = DpMechanism.None };
        message.PrivacySpent = null;

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(message.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
    }

    [Fact]
    public void ParseDeviceStatus_accepts_a_state_added_by_a_newer_minor_version()
    {
        DeviceStatus message = WireSamples.DeviceStatus();
        message.State = (DeviceState)99;

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus(message.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal((DeviceState)99, result.Message.State);
    }

    [Fact]
    public void ParseModelUpdate_rejects_strings_longer_than_a_tighter_configured_limit()
    {
        var parser = new WireParser(new WireLimits { MaxStringLength = 8 });

        ParseResult<ModelUpdate> result = parser.ParseModelUpdate(WireSamples.ModelUpdate().ToByteArray());

        AssertRejected(result.Error, result.Reason, "longer than 8 characters");
    }

    private static void AssertRejected(WireError error, string reason, string expectedFragment)
    {
        Assert.Equal(WireError.InvalidField, error);
        Assert.Contains(expectedFragment, reason, StringComparison.Ordinal);
    }

    private static void AddAssignments(GlobalModel model)
    {
        for (int i = model.Subsets.Count; i < 17; i++)
        {
            model.Subsets.Add(SubsetIndexCoding.AllParameters($"class{i}"));
        }
    }

    private static void AddWindows(Pace pace)
    {
        for (int i = pace.Windows.Count; i < 17; i++)
        {
            pace.Windows.Add(new CheckInWindow { MemoryClass = $"class{i}", WindowSeconds = 60 });
        }
    }
}
