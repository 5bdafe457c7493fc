using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Aggregator.Tests;

/// <summary>Builds real encoded ModelUpdate payloads, as a device would publish them.</summary>
internal static class UpdateFactory
{
    public const string Fleet = "home";

    public static ParameterLayout Layout { get; } = new([new TensorSpec("dense0.weight", 3, 2), new TensorSpec("dense0.bias", 2)]);

    public static string Topic(string device) => TopicScheme.Updates(Fleet, device);

    public static byte[] Id(int n)
    {
        byte[] id = new byte[16];
        BitConverter.TryWriteBytes(id, n);
        id[15] = 0xEE;
        return id;
    }

    public static ModelUpdate Message(string device, int id, long baseVersion, float[] delta, ulong samples = 10, IUpdateCodec? codec = null)
    {
        codec ??= new DenseFloat32Codec();
        byte[] payload = new byte[codec.MaxEncodedSize(Layout)];
        int written = codec.Encode(delta, Layout, payload);
        return new ModelUpdate
        {
            ProtocolMajor = ProtocolVersion.Major,
            UpdateId = ByteString.CopyFrom(Id(id)),
            DeviceId = device,
            Fleet = Fleet,
            BaseModelVersion = (ulong)baseVersion,
            Encoding = (PayloadEncoding)(int)codec.Encoding,
            Payload = ByteString.CopyFrom(payload, 0, written),
            Dp = UserLevelDp(),
            PrivacySpent = new EpsilonDelta { Epsilon = 1, Delta = 1e-5 },
            SampleCount = samples,
            CreatedAtUnixMs = 1_764_000_000_000,
        };
    }

    public static byte[] Bytes(string device, int id, long baseVersion, float[] delta, ulong samples = 10) =>
        Message(device, id, baseVersion, delta, samples).ToByteArray();

    /// <summary>What a fleet device with the default Agent:Privacy declares: user-level Gaussian, z = 3, S = 1, one release.</summary>
    public static DpParameters UserLevelDp(double noiseMultiplier = 3.0) => new()
    {
        Mechanism = DpMechanism.UserLevelGaussian,
        NoiseMultiplier = noiseMultiplier,
        ClipNorm = 1.0,
        SamplingRate = 1.0,
        Steps = 1,
    };
}
