using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class Float16CodecTests
{
    private readonly Float16Codec _codec = new();

    [Property(MaxTest = 100)]
    public void Decoded_value_is_within_half_an_ulp_of_binary16(int seed)
    {
        // binary16 has an 11-bit significand: round-to-nearest is off by at most half a unit in the
        // last place, i.e. relative error ≤ 2^-11 for normal halves (|x| ≥ 2^-14); below 2^-14 the
        // spacing is the subnormal step 2^-24, so the absolute error is ≤ 2^-25.
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        float[] x = CodecFixtures.RandomUpdate(rng, layout.TotalLength, maxMagnitude: 65504);

        float[] decoded = RoundTrip(x, layout);

        for (int i = 0; i < x.Length; i++)
        {
            double error = Math.Abs((double)decoded[i] - x[i]);
            double bound = Math.Max(Math.Pow(2, -11) * Math.Abs(x[i]), Math.Pow(2, -25));
            Assert.True(error <= bound, $"x={x[i]:R} decoded={decoded[i]:R} error={error:R} bound={bound:R}");
        }
    }

    [Property(MaxTest = 100)]
    public void Decoded_value_is_the_nearest_binary16_neighbour(int seed)
    {
        // Round-to-nearest: neither adjacent half (one ulp either side) is strictly closer to x.
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        float[] x = CodecFixtures.RandomUpdate(rng, layout.TotalLength, maxMagnitude: 60000);

        float[] decoded = RoundTrip(x, layout);

        for (int i = 0; i < x.Length; i++)
        {
            var h = (Half)decoded[i];
            double error = Math.Abs((double)decoded[i] - x[i]);
            Assert.True(Math.Abs((double)(float)Half.BitIncrement(h) - x[i]) >= error, $"x={x[i]:R}");
            Assert.True(Math.Abs((double)(float)Half.BitDecrement(h) - x[i]) >= error, $"x={x[i]:R}");
        }
    }

    [Fact]
    public void Encoded_size_is_header_plus_two_bytes_per_parameter_for_the_digits_mlp()
    {
        // 16-byte header + 2 · 2410 = 4836.
        var x = new float[CodecFixtures.DigitsParameters];
        Assert.Equal(16 + (2 * 2410), CodecFixtures.EncodeToArray(_codec, x, CodecFixtures.DigitsMlp).Length);
    }

    [Fact]
    public void Encode_rejects_a_value_that_would_overflow_to_infinity()
    {
        var layout = new ParameterLayout([new TensorSpec("w", 3)]);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            _codec.Encode([0f, 65520f, 1f], layout, new byte[_codec.MaxEncodedSize(layout)]));
    }

    [Fact]
    public void Largest_finite_half_survives_the_round_trip()
    {
        var layout = new ParameterLayout([new TensorSpec("w", 2)]);
        float[] decoded = RoundTrip([65504f, -65519f], layout);
        Assert.Equal(new[] { 65504f, -65504f }, decoded);
    }

    [Fact]
    public void Decode_rejects_an_infinite_half_and_leaves_the_destination_zeroed()
    {
        var layout = new ParameterLayout([new TensorSpec("w", 3)]);
        byte[] payload = CodecFixtures.EncodeToArray(_codec, [1f, 2f, 3f], layout);
        payload[16 + 2] = 0x00;
        payload[16 + 3] = 0x7C; // +∞ in binary16
        var destination = new float[] { 9f, 9f, 9f };

        var result = _codec.TryDecode(payload, layout, destination);

        Assert.Equal(CodecError.NonFiniteValue, result.Error);
        Assert.Contains("index 1", result.Message, StringComparison.Ordinal);
        Assert.Equal(new float[3], destination);
    }

    private float[] RoundTrip(float[] x, ParameterLayout layout)
    {
        byte[] payload = CodecFixtures.EncodeToArray(_codec, x, layout);
        var decoded = new float[x.Length];
        _codec.Decode(payload, layout, decoded);
        return decoded;
    }
}
