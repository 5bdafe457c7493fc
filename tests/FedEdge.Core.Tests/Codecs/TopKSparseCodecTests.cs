using System.Buffers.Binary;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class TopKSparseCodecTests
{
    [Property(MaxTest = 100)]
    public void Exactly_k_coordinates_are_sent_and_they_are_the_largest_in_magnitude(int seed)
    {
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        int n = layout.TotalLength;
        int percent = rng.Next(1, 101);
        float[] x = CodecFixtures.RandomUpdate(rng, n);
        var codec = new TopKSparseCodec(percent / 100.0);

        var sent = Sent(CodecFixtures.EncodeToArray(codec, x, layout));

        // k = ⌈percent·n/100⌉ in integer arithmetic, independent of the codec's decimal rounding.
        int k = ((percent * n) + 99) / 100;
        Assert.Equal(k, sent.Count);
        AssertLargest(x, sent);
    }

    [Property(MaxTest = 100)]
    public void Sent_plus_new_residual_equals_update_plus_old_residual_exactly(int seed)
    {
        // Error feedback (Stich et al. 2018, Alg. 1): e' = (x + e) − C(x + e). The codec forms x + e
        // with one float32 addition, as does this test, so the identity holds bit for bit; and the
        // coordinates sent are the top k of x + e, not of x.
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        int n = layout.TotalLength;
        var residual = new ErrorFeedbackResidual(layout);
        var codec = new TopKSparseCodec(rng.Next(1, 60) / 100.0, residual);
        codec.Encode(CodecFixtures.RandomUpdate(rng, n), layout, new byte[codec.MaxEncodedSize(layout)]);
        float[] oldResidual = residual.Values.ToArray();
        float[] x = CodecFixtures.RandomUpdate(rng, n);

        var sent = Sent(CodecFixtures.EncodeToArray(codec, x, layout));

        var corrected = new float[n];
        for (int i = 0; i < n; i++)
        {
            corrected[i] = x[i] + oldResidual[i];
            float transmitted = sent.TryGetValue(i, out float v) ? v : 0f;
            Assert.Equal(corrected[i], transmitted + residual.Values[i]);
            Assert.True(!sent.ContainsKey(i) || residual.Values[i] == 0f);
        }

        AssertLargest(corrected, sent);
    }

    [Property(MaxTest = 50)]
    public void Sum_of_transmitted_over_rounds_equals_sum_of_inputs_minus_final_residual(int seed)
    {
        // Inputs are multiples of 2^-8 below 4 in magnitude, so every float32 sum in 20 rounds is exact
        // (it needs < 24 significant bits) and the telescoping identity Σ sent_t = Σ x_t − e_T holds exactly.
        const int rounds = 20;
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        int n = layout.TotalLength;
        var residual = new ErrorFeedbackResidual(layout);
        var codec = new TopKSparseCodec(rng.Next(1, 50) / 100.0, residual);
        byte[] payload = new byte[codec.MaxEncodedSize(layout)];
        var decoded = new float[n];
        var sumSent = new double[n];
        var sumInputs = new double[n];
        for (int t = 0; t < rounds; t++)
        {
            float[] x = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = rng.Next(-1023, 1024) / 256f;
                sumInputs[i] += x[i];
            }

            int written = codec.Encode(x, layout, payload);
            codec.Decode(payload.AsSpan(0, written), layout, decoded);
            for (int i = 0; i < n; i++)
            {
                sumSent[i] += decoded[i];
            }
        }

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(sumInputs[i] - residual.Values[i], sumSent[i]);
        }
    }

    [Fact]
    public void Ties_at_the_threshold_go_to_the_lowest_indices()
    {
        var layout = new ParameterLayout([new TensorSpec("w", 10)]);
        float[] x = [1, -1, 1, -1, 1, -1, 1, -1, 1, 5];
        var sent = Sent(CodecFixtures.EncodeToArray(new TopKSparseCodec(0.3), x, layout));
        Assert.Equal(new[] { 0, 1, 9 }, sent.Keys.Order().ToArray());
    }

    [Fact]
    public void Decode_writes_sent_values_and_zeros_elsewhere()
    {
        var layout = new ParameterLayout([new TensorSpec("w", 5)]);
        float[] x = [0.1f, -3f, 0.2f, 2f, 0.3f];
        var codec = new TopKSparseCodec(0.4);
        var decoded = new float[] { 9, 9, 9, 9, 9 };
        codec.Decode(CodecFixtures.EncodeToArray(codec, x, layout), layout, decoded);
        Assert.Equal(new[] { 0f, -3f, 0f, 2f, 0f }, decoded);
    }

    [Fact]
    public void Encoded_size_at_ten_percent_is_header_plus_count_plus_eight_bytes_per_coordinate_for_the_digits_mlp()
    {
        // k = ⌈0.1 · 2410⌉ = 241; 16-byte header + 4-byte count + 241 · (4-byte index + 4-byte value) = 1948.
        var codec = new TopKSparseCodec(0.1);
        var x = CodecFixtures.RandomUpdate(new Random(3), CodecFixtures.DigitsParameters);
        Assert.Equal(241, codec.CoordinatesFor(2410));
        Assert.Equal(16 + 4 + (241 * 8), CodecFixtures.EncodeToArray(codec, x, CodecFixtures.DigitsMlp).Length);
    }

    [Fact]
    public void Decode_rejects_an_index_outside_the_layout()
    {
        var layout = CodecFixtures.DigitsMlp;
        var codec = new TopKSparseCodec(0.1);
        byte[] payload = CodecFixtures.EncodeToArray(codec, CodecFixtures.RandomUpdate(new Random(4), 2410), layout);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(16 + 4 + (240 * 8)), 70000);

        var e = Assert.Throws<CodecException>(() => codec.Decode(payload, layout, new float[2410]));

        Assert.Equal(CodecError.IndexOutOfRange, e.Error);
        Assert.Equal("top-k index 70000 out of range 0..2409", e.Message);
    }

    [Fact]
    public void Decode_rejects_a_repeated_index()
    {
        var layout = CodecFixtures.DigitsMlp;
        var codec = new TopKSparseCodec(0.1);
        byte[] payload = CodecFixtures.EncodeToArray(codec, CodecFixtures.RandomUpdate(new Random(5), 2410), layout);
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(20));
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(28), first);

        Assert.Equal(CodecError.IndicesNotIncreasing, codec.TryDecode(payload, layout, new float[2410]).Error);
    }

    [Fact]
    public void Decode_rejects_a_count_above_the_configured_fraction_before_reading_pairs()
    {
        var layout = CodecFixtures.DigitsMlp;
        var codec = new TopKSparseCodec(0.1);
        byte[] payload = CodecFixtures.EncodeToArray(codec, new float[2410], layout);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(16), uint.MaxValue);

        var result = codec.TryDecode(payload, layout, new float[2410]);

        Assert.Equal(CodecError.CountOutOfRange, result.Error);
        Assert.Contains("4294967295", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_rejects_a_residual_kept_for_another_layout()
    {
        var other = new ParameterLayout([new TensorSpec("w", 2410)]);
        var codec = new TopKSparseCodec(0.1, new ErrorFeedbackResidual(other));
        Assert.Throws<ArgumentException>(() =>
            codec.Encode(new float[2410], CodecFixtures.DigitsMlp, new byte[codec.MaxEncodedSize(CodecFixtures.DigitsMlp)]));
    }

    /// <summary>Parses the pairs straight from the wire format (independently of the decoder).</summary>
    private static Dictionary<int, float> Sent(byte[] payload)
    {
        int k = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(16));
        Assert.Equal(16 + 4 + (8 * k), payload.Length);
        var sent = new Dictionary<int, float>();
        int previous = -1;
        for (int p = 0; p < k; p++)
        {
            int index = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(20 + (8 * p)));
            Assert.True(index > previous, "indices strictly increasing");
            sent[index] = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(24 + (8 * p)));
            previous = index;
        }

        return sent;
    }

    private static void AssertLargest(float[] corrected, Dictionary<int, float> sent)
    {
        float smallestSent = float.PositiveInfinity;
        float largestUnsent = 0f;
        for (int i = 0; i < corrected.Length; i++)
        {
            if (sent.TryGetValue(i, out float v))
            {
                Assert.Equal(corrected[i], v);
                smallestSent = Math.Min(smallestSent, Math.Abs(v));
            }
            else
            {
                largestUnsent = Math.Max(largestUnsent, Math.Abs(corrected[i]));
            }
        }

        Assert.True(smallestSent >= largestUnsent, $"smallest sent {smallestSent:R} < largest unsent {largestUnsent:R}");
    }
}
