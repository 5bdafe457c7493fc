using System.Buffers.Binary;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class PackedStochasticCodecTests
{
    private const int Header = 16;

    [Theory]
    [InlineData(2, 636)] // 16 + 1 + 4·4 + ⌈2·2410/8⌉ = 33 + 603
    [InlineData(3, 937)] // 33 + ⌈3·2410/8⌉ = 33 + 904
    [InlineData(4, 1238)] // 33 + 1205
    public void Encoded_size_of_the_digits_mlp_is_header_width_scales_and_packed_codes(int bits, int expected)
    {
        var codec = new PackedStochasticCodec(bits, new Random(1));

        Assert.Equal(expected, codec.MaxEncodedSize(CodecFixtures.DigitsMlp));
        Assert.Equal(expected, CodecFixtures.EncodeToArray(codec, CodecFixtures.RandomUpdate(new Random(2), 2410), CodecFixtures.DigitsMlp).Length);
    }

    [Fact]
    public void Three_bits_is_under_an_eighth_of_dense_float32_for_the_digits_mlp()
    {
        int dense = new DenseFloat32Codec().MaxEncodedSize(CodecFixtures.DigitsMlp); // 9,656

        Assert.True(8 * new PackedStochasticCodec(3, new Random(1)).MaxEncodedSize(CodecFixtures.DigitsMlp) <= dense);
        Assert.False(8 * new PackedStochasticCodec(4, new Random(1)).MaxEncodedSize(CodecFixtures.DigitsMlp) <= dense);
    }

    [Property(MaxTest = 60)]
    public void Every_decoded_element_is_within_one_scale_step_of_the_input(int seed, byte width)
    {
        // q = ⌊x/s + u⌋, u ∈ [0,1): |q − x/s| < 1, so |q·s − x| < s; float32 decode adds at most L·s·2^-24
        int bits = 2 + (width % 3);
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        float[] x = CodecFixtures.RandomUpdate(rng, layout.TotalLength);
        var codec = new PackedStochasticCodec(bits, new Random(seed ^ 0x5eed));

        byte[] payload = CodecFixtures.EncodeToArray(codec, x, layout);
        var decoded = new float[x.Length];
        codec.Decode(payload, layout, decoded);

        int levels = PackedStochasticCodec.LevelsFor(bits);
        for (int t = 0; t < layout.Count; t++)
        {
            double scale = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(Header + 1 + (4 * t)));
            double bound = scale * (1 + (levels * Math.Pow(2, -24)));
            for (int i = layout.OffsetOf(t); i < layout.OffsetOf(t) + layout.Tensors[t].Length; i++)
            {
                Assert.True(Math.Abs((double)decoded[i] - x[i]) <= bound, $"{bits} bits, tensor {t}, element {i}: x={x[i]:R} decoded={decoded[i]:R} scale={scale:R}");
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Average_of_many_independent_decodings_converges_to_the_input(int bits)
    {
        // Each decode of element i is s·⌊y⌋ or s·(⌊y⌋+1) with P = frac(y): mean x, variance ≤ s²/4, so the mean of N decodes
        // has standard error ≤ s/(2√N). N = 20,000, 5 standard errors: 0.0177·s (+ s·2^-20 float rounding). Rounding to
        // nearest instead is off by up to s/2 and fails by a factor ~28.
        const int n = 64;
        const int draws = 20000;
        var layout = new ParameterLayout([new TensorSpec("w", n)]);
        var rng = new Random(20261204);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        x[0] = 1f;
        var codec = new PackedStochasticCodec(bits, new Random(7));
        byte[] payload = new byte[codec.MaxEncodedSize(layout)];
        var decoded = new float[n];
        var sum = new double[n];
        for (int d = 0; d < draws; d++)
        {
            codec.Encode(x, layout, payload);
            codec.Decode(payload, layout, decoded);
            for (int i = 0; i < n; i++)
            {
                sum[i] += decoded[i];
            }
        }

        double scale = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(Header + 1));
        double bound = (5 * scale / (2 * Math.Sqrt(draws))) + (scale * Math.Pow(2, -20));
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs((sum[i] / draws) - x[i]) <= bound, $"{bits} bits, element {i}: x={x[i]:R} mean={sum[i] / draws:R} bound={bound:R}");
        }
    }

    [Fact]
    public void Codes_are_packed_little_endian_with_the_level_plus_L()
    {
        // 3 bits, L = 3, scale 1: x = (3, −3, 0, 1, −1) are grid points, so every draw gives them exactly.
        // codes 6, 0, 3, 4, 2 → bit stream 110 000 011 100 010 (element 0 lowest) → bytes 0b11_000_110, 0b0_010_100_0
        var layout = new ParameterLayout([new TensorSpec("w", 5)]);
        var codec = new PackedStochasticCodec(3, new Random(1));

        byte[] payload = CodecFixtures.EncodeToArray(codec, [3f, -3f, 0f, 1f, -1f], layout);

        Assert.Equal(3, payload[Header]);
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(Header + 1)));
        Assert.Equal([0b1100_0110, 0b0010_1000], payload[(Header + 5)..]);
    }

    [Fact]
    public void Decode_refuses_the_unused_all_ones_code()
    {
        var layout = new ParameterLayout([new TensorSpec("w", 4)]);
        byte[] payload = CodecFixtures.EncodeToArray(new PackedStochasticCodec(2, new Random(1)), [1f, 0f, -1f, 0.5f], layout);
        payload[Header + 5] |= 0b11; // element 0's code := 3 (L = 1: codes 0..2)
        var destination = new float[4];

        var result = new PackedStochasticCodec(2, new Random(1)).TryDecode(payload, layout, destination);

        Assert.Equal(CodecError.QuantisedValueOutOfRange, result.Error);
        Assert.All(destination, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    public void Decode_refuses_a_bit_width_outside_two_to_four(byte width)
    {
        var layout = new ParameterLayout([new TensorSpec("w", 4)]);
        byte[] payload = CodecFixtures.EncodeToArray(new PackedStochasticCodec(2, new Random(1)), [1f, 0f, -1f, 0.5f], layout);
        payload[Header] = width;

        var result = new PackedStochasticCodec(2, new Random(1)).TryDecode(payload, layout, new float[4]);

        Assert.Equal(CodecError.CountOutOfRange, result.Error);
    }

    [Fact]
    public void A_decoder_of_any_width_reads_every_width()
    {
        var layout = new ParameterLayout([new TensorSpec("w", 3)]);
        byte[] payload = CodecFixtures.EncodeToArray(new PackedStochasticCodec(4, new Random(1)), [7f, -7f, 0f], layout);
        var decoded = new float[3];

        new PackedStochasticCodec(2, new Random(1)).Decode(payload, layout, decoded);

        Assert.Equal([7f, -7f, 0f], decoded);
    }
}
