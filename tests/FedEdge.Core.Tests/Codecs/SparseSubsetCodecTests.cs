using System.Buffers.Binary;
using FedEdge.Core.Codecs;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class SparseSubsetCodecTests
{
    [Property(MaxTest = 100)]
    public void Round_trip_is_exact_on_the_subset_and_zero_elsewhere(int seed)
    {
        var rng = new Random(seed);
        var layout = CodecFixtures.RandomLayout(rng);
        int n = layout.TotalLength;
        var subset = new ParameterSubset(CodecFixtures.RandomIndices(rng, n, rng.NextDouble()), n);
        var codec = new SparseSubsetCodec(subset);
        float[] x = CodecFixtures.RandomUpdate(rng, n);

        var decoded = new float[n];
        Array.Fill(decoded, 7f);
        codec.Decode(CodecFixtures.EncodeToArray(codec, x, layout), layout, decoded);

        var inSubset = new HashSet<int>(subset.Indices.ToArray());
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(inSubset.Contains(i) ? x[i] : 0f, decoded[i]);
        }
    }

    [Fact]
    public void Encoded_size_at_a_quarter_of_the_parameters_is_header_count_hash_and_four_bytes_per_value_for_the_digits_mlp()
    {
        // m = ⌈0.25 · 2410⌉ = 603; 16-byte header + 4-byte count + 32-byte SHA-256 + 603 · 4 = 2464.
        var subset = new ParameterSubset(CodecFixtures.ExactShareIndices(2410, 603, 1), 2410);
        var codec = new SparseSubsetCodec(subset);
        var x = CodecFixtures.RandomUpdate(new Random(1), 2410);
        Assert.Equal(16 + 4 + 32 + (603 * 4), CodecFixtures.EncodeToArray(codec, x, CodecFixtures.DigitsMlp).Length);
    }

    [Fact]
    public void Payload_carries_the_subset_hash()
    {
        var subset = new ParameterSubset([3, 100, 2000], 2410);
        byte[] payload = CodecFixtures.EncodeToArray(new SparseSubsetCodec(subset), new float[2410], CodecFixtures.DigitsMlp);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(16)));
        Assert.Equal(subset.ContentHash.ToArray(), payload[20..52]);
    }

    [Fact]
    public void Decode_rejects_a_payload_for_another_subset_of_the_same_size()
    {
        var layout = CodecFixtures.DigitsMlp;
        var device = new SparseSubsetCodec(new ParameterSubset([1, 2, 3], 2410));
        var aggregator = new SparseSubsetCodec(new ParameterSubset([1, 2, 4], 2410));
        byte[] payload = CodecFixtures.EncodeToArray(device, new float[2410], layout);

        var result = aggregator.TryDecode(payload, layout, new float[2410]);

        Assert.Equal(CodecError.SubsetMismatch, result.Error);
        Assert.Contains("sha256", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_rejects_a_payload_for_a_subset_of_another_size()
    {
        var layout = CodecFixtures.DigitsMlp;
        var device = new SparseSubsetCodec(new ParameterSubset([1, 2, 3], 2410));
        var aggregator = new SparseSubsetCodec(new ParameterSubset([1, 2], 2410));
        byte[] payload = CodecFixtures.EncodeToArray(device, new float[2410], layout);

        var result = aggregator.TryDecode(payload, layout, new float[2410]);

        Assert.Equal(CodecError.SubsetMismatch, result.Error);
        Assert.Equal("payload carries 3 values but the assigned subset has 2", result.Message);
    }

    [Fact]
    public void Encode_ignores_non_finite_values_outside_the_subset()
    {
        var layout = CodecFixtures.DigitsMlp;
        var codec = new SparseSubsetCodec(new ParameterSubset([0], 2410));
        var x = new float[2410];
        x[5] = float.NaN;
        Assert.Equal(16 + 4 + 32 + 4, codec.Encode(x, layout, new byte[codec.MaxEncodedSize(layout)]));
        x[0] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => codec.Encode(x, layout, new byte[codec.MaxEncodedSize(layout)]));
    }
}
