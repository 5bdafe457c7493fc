using FedEdge.Protocol.Wire;
using FsCheck.Xunit;
using Google.Protobuf;

namespace FedEdge.Protocol.Tests.Wire;

/// <summary>Random valid messages survive serialize → parse unchanged.</summary>
public class WireRoundTripProperties
{
    private const string IdChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    private readonly WireParser _parser = new();

    [Property(MaxTest = 300)]
    public void ModelUpdate_with_random_valid_fields_round_trips(int seed)
    {
        var rng = new Random(seed);
        byte[] id = new byte[WireLimits.UpdateIdBytes];
        rng.NextBytes(id);
        ModelUpdate message = WireSamples.ModelUpdate();
        message.UpdateId = ByteString.CopyFrom(id);
        message.DeviceId = RandomId(rng);
        message.Fleet = RandomId(rng);
        message.BaseModelVersion = (ulong)rng.NextInt64(1, long.MaxValue);
        message.Payload = ByteString.CopyFrom(WireSamples.DensePayload(seed));
        message.Dp.NoiseMultiplier = rng.NextDouble() * 10;
        message.Dp.ClipNorm = 1e-3 + rng.NextDouble();
        message.Dp.SamplingRate = 1e-6 + (rng.NextDouble() * (1 - 1e-6));
        message.Dp.Steps = (ulong)rng.Next(1, 100_000);
        message.PrivacySpent.Epsilon = rng.NextDouble() * 100;
        message.PrivacySpent.Delta = rng.NextDouble() * 1e-3;
        message.SampleCount = (ulong)rng.NextInt64(1, long.MaxValue);
        message.CreatedAtUnixMs = rng.NextInt64(1, 253_402_300_799_999);

        ParseResult<ModelUpdate> result = _parser.ParseModelUpdate(message.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(message, result.Message);
    }

    [Property(MaxTest = 300)]
    public void DeviceStatus_with_random_valid_fields_round_trips(int seed)
    {
        var rng = new Random(seed);
        var message = new DeviceStatus
        {
            ProtocolMajor = ProtocolVersion.Major,
            DeviceId = RandomId(rng),
            Fleet = RandomId(rng),
            State = (DeviceState)rng.Next(1, 8),
            MemoryBudgetBytes = (ulong)rng.NextInt64(),
            ComputeScore = rng.NextDouble() * 1e3,
            PowerSource = (PowerSource)rng.Next(1, 5),
            Charging = rng.Next(2) == 1,
            ModelVersion = (ulong)rng.NextInt64(),
            PrivacyEpsilonLeft = rng.NextDouble() * 20,
            TimestampUnixMs = rng.NextInt64(1, 253_402_300_799_999),
        };

        ParseResult<DeviceStatus> result = _parser.ParseDeviceStatus(message.ToByteArray());

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(message, result.Message);
    }

    private static string RandomId(Random rng)
    {
        char[] chars = new char[rng.Next(1, WireIdentifier.MaxLength + 1)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = IdChars[rng.Next(IdChars.Length)];
        }

        return new string(chars);
    }
}
