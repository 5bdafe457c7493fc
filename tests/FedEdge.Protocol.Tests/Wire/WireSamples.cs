using System.Security.Cryptography;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Tests.Wire;

/// <summary>Valid messages of every kind, built from Core's real codecs and subsets.</summary>
internal static class WireSamples
{
    public const long CreatedAt = 1_790_000_000_000; // 2026-09-21

    /// <summary>A small MLP: W 8×4, b 4 = 36 parameters.</summary>
    public static ParameterLayout Layout { get; } = new([new TensorSpec("W", 8, 4), new TensorSpec("b", 4)]);

    public static byte[] ArchitectureHash { get; } = SHA256.HashData("mlp-8-4"u8);

    public static byte[] DensePayload(int seed = 1)
    {
        var rng = new Random(seed);
        float[] values = new float[Layout.TotalLength];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(rng.NextDouble() - 0.5);
        }

        var codec = new DenseFloat32Codec();
        byte[] buffer = new byte[codec.MaxEncodedSize(Layout)];
        int written = codec.Encode(values, Layout, buffer);
        return buffer[..written];
    }

    public static ModelUpdate ModelUpdate() => new()
    {
        ProtocolMajor = ProtocolVersion.Major,
        UpdateId = ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()),
        DeviceId = "kitchen-pi_01",
        Fleet = "home-42",
        BaseModelVersion = 7,
        SubsetId = ByteString.Empty,
        Encoding = PayloadEncoding.DenseFloat32,
        Payload = ByteString.CopyFrom(DensePayload()),
        Dp = new DpParameters
        {
            Mechanism = DpMechanism.UserLevelGaussian,
            NoiseMultiplier = 1.1,
            ClipNorm = 0.5,
            SamplingRate = 1.0,
            Steps = 1,
        },
        PrivacySpent = new EpsilonDelta { Epsilon = 2.5, Delta = 1e-5 },
        SampleCount = 120,
        CreatedAtUnixMs = CreatedAt,
    };

    public static ParameterSubset Subset { get; } = ParameterSubset.For(Layout, [0, 1, 2, 5, 9, 33, 35]);

    public static GlobalModel GlobalModel() => new()
    {
        ProtocolMajor = ProtocolVersion.Major,
        Version = 8,
        Fleet = "home-42",
        Architecture = "mlp-8-4",
        ArchitectureHash = ByteString.CopyFrom(ArchitectureHash),
        ParametersEncoding = PayloadEncoding.DenseFloat32,
        Parameters = ByteString.CopyFrom(DensePayload(2)),
        Subsets =
        {
            SubsetIndexCoding.ToAssignment("small", Subset),
            SubsetIndexCoding.AllParameters("large"),
        },
        CreatedAtUnixMs = CreatedAt,
    };

    public static DeviceStatus DeviceStatus() => new()
    {
        ProtocolMajor = ProtocolVersion.Major,
        DeviceId = "kitchen-pi_01",
        Fleet = "home-42",
        State = DeviceState.ChargingWait,
        MemoryBudgetBytes = 64UL << 20,
        ComputeScore = 0.8,
        PowerSource = PowerSource.Battery,
        Charging = true,
        ModelVersion = 8,
        PrivacyEpsilonLeft = 5.5,
        TimestampUnixMs = CreatedAt,
    };

    public static Pace Pace() => new()
    {
        ProtocolMajor = ProtocolVersion.Major,
        Fleet = "home-42",
        UpdatesWanted = 10,
        Windows =
        {
            new CheckInWindow { MemoryClass = "small", WindowSeconds = 600 },
            new CheckInWindow { MemoryClass = "large", WindowSeconds = 120 },
        },
        ModelVersion = 8,
        CreatedAtUnixMs = CreatedAt,
    };

    /// <summary>A tag byte sequence for field <paramref name="field"/> of wire type <paramref name="wireType"/>.</summary>
    public static byte[] Tag(int field, int wireType)
    {
        var list = new List<byte>();
        AppendVarint(list, ((ulong)field << 3) | (uint)wireType);
        return [.. list];
    }

    public static void AppendVarint(List<byte> bytes, ulong value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }
}
