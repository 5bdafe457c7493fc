using System.Buffers.Binary;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Tests.Codecs;

/// <summary>
/// Decoding treats payloads as hostile: every malformed payload must come back as a typed rejection
/// with a message — never an exception — and no decode may write outside its destination or leave
/// a partial update in it.
/// </summary>
public class HostilePayloadTests
{
    private const int Guard = 16;
    private const float Sentinel = 12345.5f;
    private static readonly ParameterLayout Layout = CodecFixtures.DigitsMlp;

    public static TheoryData<UpdateEncoding> Encodings => new(
        UpdateEncoding.DenseFloat32,
        UpdateEncoding.Float16,
        UpdateEncoding.Int8Stochastic,
        UpdateEncoding.TopKSparse,
        UpdateEncoding.SparseSubset,
        UpdateEncoding.PackedStochastic);

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Twenty_thousand_mutated_payloads_are_rejected_cleanly_or_decode_to_finite_values(UpdateEncoding encoding)
    {
        var codec = CodecFor(encoding);
        var rng = new Random(1000 + (int)encoding);
        byte[] valid = CodecFixtures.EncodeToArray(codec, CodecFixtures.RandomUpdate(rng, Layout.TotalLength), Layout);
        var buffer = new float[Layout.TotalLength + (2 * Guard)];
        int rejected = 0;
        for (int trial = 0; trial < 20000; trial++)
        {
            byte[] mutated = Mutate(valid, rng);
            if (!DecodeChecked(codec, mutated, buffer))
            {
                rejected++;
            }
        }

        // Most mutations hit the header, counts or indices; a flipped bit in a value may still decode.
        Assert.InRange(rejected, 1, 20000);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_truncation_of_a_valid_payload_is_rejected(UpdateEncoding encoding)
    {
        var codec = CodecFor(encoding);
        byte[] valid = CodecFixtures.EncodeToArray(codec, CodecFixtures.RandomUpdate(new Random(9), Layout.TotalLength), Layout);
        var buffer = new float[Layout.TotalLength + (2 * Guard)];
        for (int length = 0; length < valid.Length; length++)
        {
            Assert.False(DecodeChecked(codec, valid[..length], buffer), $"truncated to {length} bytes");
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Random_bytes_with_and_without_a_valid_header_are_rejected_or_decode_cleanly(UpdateEncoding encoding)
    {
        var codec = CodecFor(encoding);
        var rng = new Random(77 + (int)encoding);
        byte[] header = CodecFixtures.EncodeToArray(codec, new float[Layout.TotalLength], Layout)[..16];
        var buffer = new float[Layout.TotalLength + (2 * Guard)];
        for (int trial = 0; trial < 2000; trial++)
        {
            byte[] junk = new byte[rng.Next(0, 12000)];
            rng.NextBytes(junk);
            if (trial % 2 == 0 && junk.Length >= 16)
            {
                header.CopyTo(junk, 0);
            }

            DecodeChecked(codec, junk, buffer);
        }
    }

    [Fact]
    public void Truncated_dense_payload_names_expected_and_actual_length()
    {
        var codec = new DenseFloat32Codec();
        byte[] payload = CodecFixtures.EncodeToArray(codec, new float[2410], Layout);

        var result = codec.TryDecode(payload.AsSpan(0, 100), Layout, new float[2410]);

        Assert.Equal(CodecError.Truncated, result.Error);
        Assert.Equal("payload truncated: expected 9656 bytes, got 100", result.Message);
    }

    [Fact]
    public void Header_claiming_a_huge_element_count_is_a_layout_mismatch()
    {
        var codec = new DenseFloat32Codec();
        byte[] payload = CodecFixtures.EncodeToArray(codec, new float[2410], Layout);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), uint.MaxValue);

        var result = codec.TryDecode(payload, Layout, new float[2410]);

        Assert.Equal(CodecError.LayoutMismatch, result.Error);
        Assert.Equal("payload has 4294967295 elements but the layout has 2410", result.Message);
    }

    [Fact]
    public void Subset_payload_claiming_a_huge_count_is_rejected_before_reading_values()
    {
        var codec = (SparseSubsetCodec)CodecFor(UpdateEncoding.SparseSubset);
        byte[] payload = CodecFixtures.EncodeToArray(codec, new float[2410], Layout);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(16), uint.MaxValue);

        Assert.Equal(CodecError.CountOutOfRange, codec.TryDecode(payload, Layout, new float[2410]).Error);
    }

    [Fact]
    public void Payload_for_a_layout_with_the_same_size_but_other_shapes_is_rejected()
    {
        var transposed = new ParameterLayout([
            new TensorSpec("W1", 32, 64),
            new TensorSpec("b1", 32),
            new TensorSpec("W2", 32, 10),
            new TensorSpec("b2", 10),
        ]);
        var codec = new DenseFloat32Codec();
        byte[] payload = CodecFixtures.EncodeToArray(codec, new float[2410], transposed);

        var result = codec.TryDecode(payload, Layout, new float[2410]);

        Assert.Equal(CodecError.LayoutMismatch, result.Error);
        Assert.Contains("fingerprint", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_of_another_codec_is_rejected_naming_both_encodings()
    {
        byte[] payload = CodecFixtures.EncodeToArray(new Float16Codec(), new float[2410], Layout);

        var result = new DenseFloat32Codec().TryDecode(payload, Layout, new float[2410]);

        Assert.Equal(CodecError.WrongEncoding, result.Error);
        Assert.Equal("payload is encoded as Float16 but this codec decodes DenseFloat32", result.Message);
    }

    [Theory]
    [InlineData(0, 0x00, CodecError.BadMagic)]
    [InlineData(2, 0x02, CodecError.UnsupportedVersion)]
    [InlineData(3, 0xEE, CodecError.UnknownEncoding)]
    public void Header_fields_are_checked(int offset, byte value, CodecError expected)
    {
        byte[] payload = CodecFixtures.EncodeToArray(new DenseFloat32Codec(), new float[2410], Layout);
        payload[offset] = value;
        Assert.Equal(expected, new DenseFloat32Codec().TryDecode(payload, Layout, new float[2410]).Error);
    }

    [Fact]
    public void Destination_of_the_wrong_length_is_a_caller_error()
    {
        byte[] payload = CodecFixtures.EncodeToArray(new DenseFloat32Codec(), new float[2410], Layout);
        Assert.Throws<ArgumentException>(() => new DenseFloat32Codec().TryDecode(payload, Layout, new float[2409]));
    }

    private static IUpdateCodec CodecFor(UpdateEncoding encoding) =>
        Array.Find(CodecFixtures.AllCodecs(Layout, seed: 5), c => c.Encoding == encoding)!;

    /// <summary>
    /// Decodes into the middle of a guarded buffer and checks the contract: no exception, guards
    /// intact, success ⇒ all finite, rejection ⇒ an error and message, destination untouched or zeroed.
    /// </summary>
    private static bool DecodeChecked(IUpdateCodec codec, byte[] payload, float[] buffer)
    {
        Array.Fill(buffer, Sentinel);
        var destination = buffer.AsSpan(Guard, Layout.TotalLength);
        DecodeResult result;
        try
        {
            result = codec.TryDecode(payload, Layout, destination);
        }
        catch (Exception e)
        {
            Assert.Fail($"{codec.Encoding} threw {e.GetType().Name} on a {payload.Length}-byte payload: {e.Message}");
            throw;
        }

        for (int g = 0; g < Guard; g++)
        {
            Assert.Equal(Sentinel, buffer[g]);
            Assert.Equal(Sentinel, buffer[^(g + 1)]);
        }

        if (result.Succeeded)
        {
            foreach (float v in destination)
            {
                Assert.True(float.IsFinite(v));
            }

            return true;
        }

        Assert.NotEqual(CodecError.None, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        bool untouched = true;
        bool zeroed = true;
        foreach (float v in destination)
        {
            untouched &= v == Sentinel;
            zeroed &= v == 0f;
        }

        Assert.True(untouched || zeroed, $"{result.Error} left a partial update");
        return false;
    }

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        byte[] m = (byte[])valid.Clone();
        switch (rng.Next(6))
        {
            case 0: // flip 1..8 random bits
                for (int f = rng.Next(1, 9); f > 0; f--)
                {
                    m[rng.Next(m.Length)] ^= (byte)(1 << rng.Next(8));
                }

                return m;
            case 1: // flip a bit in the header or the first counts, where structure lives
                m[rng.Next(Math.Min(m.Length, 60))] ^= (byte)(1 << rng.Next(8));
                return m;
            case 2: // an extreme 32-bit word at a random 4-aligned offset
                uint[] extremes = [0, uint.MaxValue, int.MaxValue, 0x80000000, 2410, 2411, 0x7FC00000, 0x7F800000, 0xFF800000, 0x80808080];
                int offset = 4 * rng.Next(m.Length / 4);
                BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(offset), extremes[rng.Next(extremes.Length)]);
                return m;
            case 3: // truncate, then flip
                m = m[..rng.Next(m.Length)];
                if (m.Length > 0)
                {
                    m[rng.Next(m.Length)] ^= (byte)(1 << rng.Next(8));
                }

                return m;
            case 4: // append junk
                byte[] longer = new byte[m.Length + rng.Next(1, 64)];
                m.CopyTo(longer, 0);
                rng.NextBytes(longer.AsSpan(m.Length));
                return longer;
            default: // overwrite a random run with random bytes
                int start = rng.Next(m.Length);
                rng.NextBytes(m.AsSpan(start, Math.Min(m.Length - start, rng.Next(1, 32))));
                return m;
        }
    }
}
