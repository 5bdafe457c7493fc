using FedEdge.Core.Codecs;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class DenseFloat32CodecTests
{
    private readonly DenseFloat32Codec _codec = new();

    [Property(MaxTest = 100)]
    public void Round_trip_is_bit_exact(int seed)
    {
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        float[] x = CodecFixtures.RandomUpdate(rng, layout.TotalLength, maxMagnitude: 3e38);

        byte[] payload = CodecFixtures.EncodeToArray(_codec, x, layout);
        float[] decoded = new float[x.Length];
        _codec.Decode(payload, layout, decoded);

        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(x[i]), BitConverter.SingleToInt32Bits(decoded[i]));
        }
    }

    [Fact]
    public void Encoded_size_is_header_plus_four_bytes_per_parameter_for_the_digits_mlp()
    {
        // 16-byte header + 4 · 2410 = 9656.
        var x = new float[CodecFixtures.DigitsParameters];
        byte[] payload = CodecFixtures.EncodeToArray(_codec, x, CodecFixtures.DigitsMlp);
        Assert.Equal(16 + (4 * 2410), payload.Length);
        Assert.Equal(9656, _codec.MaxEncodedSize(CodecFixtures.DigitsMlp));
    }

    [Fact]
    public void Payload_body_is_little_endian_float32()
    {
        var layout = new FedEdge.Core.Parameters.ParameterLayout([new FedEdge.Core.Parameters.TensorSpec("w", 2)]);
        byte[] payload = CodecFixtures.EncodeToArray(_codec, [1f, -2f], layout);
        // 1.0f = 0x3F800000, -2.0f = 0xC0000000, least significant byte first.
        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 }, payload[16..]);
    }

    [Fact]
    public void Encode_rejects_a_NaN_in_the_update()
    {
        var layout = CodecFixtures.DigitsMlp;
        var x = new float[layout.TotalLength];
        x[7] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => _codec.Encode(x, layout, new byte[_codec.MaxEncodedSize(layout)]));
        Assert.Contains("index 7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_rejects_a_destination_that_is_too_small()
    {
        var layout = CodecFixtures.DigitsMlp;
        var x = new float[layout.TotalLength];
        Assert.Throws<ArgumentException>(() => _codec.Encode(x, layout, new byte[100]));
    }
}
