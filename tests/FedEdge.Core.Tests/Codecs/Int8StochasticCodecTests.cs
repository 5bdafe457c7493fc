using System.Buffers.Binary;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class Int8StochasticCodecTests
{
    [Property(MaxTest = 100)]
    public void Every_decoded_element_is_within_one_scale_step_of_the_input(int seed)
    {
        // q = ⌊x/s + u⌋ with u ∈ [0,1) gives |q − x/s| < 1, so |q·s − x| < s; decoding multiplies in
        // float32, adding at most |q·s|·2^-24 ≤ 127·s·2^-24. Bound: s·(1 + 127·2^-24).
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        float[] x = CodecFixtures.RandomUpdate(rng, layout.TotalLength);
        var codec = new Int8StochasticCodec(new Random(seed ^ 0x5eed));

        byte[] payload = CodecFixtures.EncodeToArray(codec, x, layout);
        var decoded = new float[x.Length];
        codec.Decode(payload, layout, decoded);

        for (int t = 0; t < layout.Count; t++)
        {
            double scale = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(16 + (4 * t)));
            double bound = scale * (1 + (127 * Math.Pow(2, -24)));
            for (int i = layout.OffsetOf(t); i < layout.OffsetOf(t) + layout.Tensors[t].Length; i++)
            {
                Assert.True(Math.Abs((double)decoded[i] - x[i]) <= bound, $"tensor {t} element {i}: x={x[i]:R} decoded={decoded[i]:R} scale={scale:R}");
            }
        }
    }

    [Property(MaxTest = 100)]
    public void Scale_is_the_tensor_max_magnitude_over_127_rounded_up_to_a_float(int seed)
    {
        // Independent reference: m/127 in double; the stored float32 scale must not be below it
        // (or |x/s| could exceed 127) and must be within 2 float32 ulps above it.
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        float[] x = CodecFixtures.RandomUpdate(rng, layout.TotalLength);
        byte[] payload = CodecFixtures.EncodeToArray(new Int8StochasticCodec(new Random(seed)), x, layout);

        for (int t = 0; t < layout.Count; t++)
        {
            double max = 0;
            for (int i = layout.OffsetOf(t); i < layout.OffsetOf(t) + layout.Tensors[t].Length; i++)
            {
                max = Math.Max(max, Math.Abs((double)x[i]));
            }

            float scale = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(16 + (4 * t)));
            double exact = max / 127;
            Assert.True(scale >= exact, $"scale {scale:R} < {exact:R}");
            Assert.True(scale <= MathF.BitIncrement(MathF.BitIncrement((float)exact)) || max < 1e-36, $"scale {scale:R} too far above {exact:R}");
        }
    }

    [Fact]
    public void Average_of_many_independent_decodings_converges_to_the_input()
    {
        // Each decode of element i is s·⌊y⌋ or s·(⌊y⌋+1) with P = frac(y) (y = x/s): a scaled Bernoulli
        // with mean x and variance s²·f(1−f) ≤ s²/4. The mean of N independent decodes therefore has
        // standard error ≤ s/(2√N); with N = 20000 we allow 5 standard errors, 5·s/(2√20000) ≈ 0.0177·s,
        // plus s·2^-20 for float32 rounding in decode. A biased rounding (e.g. to nearest) is off by
        // up to s/2 and fails by a factor ~28.
        const int n = 64;
        const int draws = 20000;
        var layout = new ParameterLayout([new TensorSpec("w", n)]);
        var rng = new Random(20261125);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        x[0] = 1f; // fix the scale at 1/127 (rounded up)
        var codec = new Int8StochasticCodec(new Random(7));
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

        double scale = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(16));
        double bound = (5 * scale / (2 * Math.Sqrt(draws))) + (scale * Math.Pow(2, -20));
        for (int i = 0; i < n; i++)
        {
            double mean = sum[i] / draws;
            Assert.True(Math.Abs(mean - x[i]) <= bound, $"element {i}: x={x[i]:R} mean={mean:R} bound={bound:R}");
        }
    }

    [Fact]
    public void Encoding_is_random_rather_than_deterministic_rounding()
    {
        // x = 0.5·s sits halfway between levels 0 and 1: both must occur over 200 draws (P(all same) = 2^-199).
        var layout = new ParameterLayout([new TensorSpec("w", 2)]);
        float[] x = [127f, 0.5f];
        var codec = new Int8StochasticCodec(new Random(3));
        byte[] payload = new byte[codec.MaxEncodedSize(layout)];
        var seen = new HashSet<sbyte>();
        for (int d = 0; d < 200; d++)
        {
            codec.Encode(x, layout, payload);
            seen.Add((sbyte)payload[16 + 4 + 1]);
        }

        Assert.Equal(new HashSet<sbyte> { 0, 1 }, seen);
    }

    [Fact]
    public void All_zero_tensor_has_zero_scale_and_decodes_to_zeros()
    {
        var layout = new ParameterLayout([new TensorSpec("a", 4), new TensorSpec("b", 2)]);
        float[] x = [0, 0, 0, 0, 1, -1];
        var codec = new Int8StochasticCodec(new Random(1));
        byte[] payload = CodecFixtures.EncodeToArray(codec, x, layout);
        var decoded = new float[6];
        codec.Decode(payload, layout, decoded);
        Assert.Equal(0f, BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(16)));
        Assert.Equal(new float[] { 0, 0, 0, 0 }, decoded[..4]);
    }

    [Fact]
    public void Subnormal_maximum_still_gets_a_positive_scale()
    {
        // m/127 underflows to 0 in float32 when m is a few subnormal steps; the scale must not be 0.
        float m = 5 * float.Epsilon;
        Assert.True(Int8StochasticCodec.ScaleFor(m) > 0);
        Assert.True(m / (double)Int8StochasticCodec.ScaleFor(m) <= 127);
    }

    [Fact]
    public void Encoded_size_is_header_plus_a_scale_per_tensor_plus_a_byte_per_parameter_for_the_digits_mlp()
    {
        // 16-byte header + 4 tensors · 4-byte scale + 2410 · 1 byte = 2442.
        var codec = new Int8StochasticCodec(new Random(1));
        var x = CodecFixtures.RandomUpdate(new Random(2), CodecFixtures.DigitsParameters);
        Assert.Equal(16 + (4 * 4) + 2410, CodecFixtures.EncodeToArray(codec, x, CodecFixtures.DigitsMlp).Length);
    }

    [Fact]
    public void Decode_rejects_a_NaN_scale_naming_the_tensor()
    {
        var layout = CodecFixtures.DigitsMlp;
        var codec = new Int8StochasticCodec(new Random(1));
        byte[] payload = CodecFixtures.EncodeToArray(codec, new float[layout.TotalLength], layout);
        BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(16 + 4), float.NaN);

        var e = Assert.Throws<CodecException>(() => codec.Decode(payload, layout, new float[layout.TotalLength]));

        Assert.Equal(CodecError.InvalidScale, e.Error);
        Assert.Equal("scale of tensor 'b1' is NaN", e.Message);
    }

    [Fact]
    public void Decode_rejects_minus_128()
    {
        var layout = CodecFixtures.DigitsMlp;
        var codec = new Int8StochasticCodec(new Random(1));
        byte[] payload = CodecFixtures.EncodeToArray(codec, new float[layout.TotalLength], layout);
        payload[16 + 16 + 100] = 0x80;

        var result = codec.TryDecode(payload, layout, new float[layout.TotalLength]);

        Assert.Equal(CodecError.QuantisedValueOutOfRange, result.Error);
        Assert.Contains("index 100", result.Message, StringComparison.Ordinal);
    }
}
