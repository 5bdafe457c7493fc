using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Tests.Codecs;

public class UpdateCodecsTests
{
    private static readonly ParameterLayout Layout = CodecFixtures.DigitsMlp;

    [Fact]
    public void Standard_registry_holds_the_five_layout_only_codecs()
    {
        var codecs = UpdateCodecs.CreateStandard(new Random(1), 0.1);
        Assert.Equal(
            new[] { UpdateEncoding.DenseFloat32, UpdateEncoding.Float16, UpdateEncoding.Int8Stochastic, UpdateEncoding.TopKSparse, UpdateEncoding.PackedStochastic },
            codecs.Encodings.Order().ToArray());
    }

    [Fact]
    public void Registry_decodes_each_payload_with_the_codec_its_header_names()
    {
        var subset = new ParameterSubset(CodecFixtures.ExactShareIndices(2410, 603, 2), 2410);
        var registry = UpdateCodecs.CreateStandard(new Random(1), 0.1).With(new SparseSubsetCodec(subset));
        float[] x = CodecFixtures.RandomUpdate(new Random(3), 2410);
        foreach (var encoding in registry.Encodings)
        {
            var codec = registry.Get(encoding);
            byte[] payload = CodecFixtures.EncodeToArray(codec, x, Layout);
            var direct = new float[2410];
            var dispatched = new float[2410];
            codec.Decode(payload, Layout, direct);

            Assert.True(registry.TryDecode(payload, Layout, dispatched).Succeeded);
            Assert.Equal(direct, dispatched);
            Assert.True(UpdateCodecs.TryReadEncoding(payload, out var read).Succeeded);
            Assert.Equal(encoding, read);
        }
    }

    [Fact]
    public void Registry_rejects_a_payload_whose_codec_is_not_registered()
    {
        byte[] payload = CodecFixtures.EncodeToArray(new SparseSubsetCodec(new ParameterSubset([1], 2410)), new float[2410], Layout);
        var result = UpdateCodecs.CreateStandard(new Random(1), 0.1).TryDecode(payload, Layout, new float[2410]);
        Assert.Equal(CodecError.UnknownEncoding, result.Error);
    }

    [Fact]
    public void Registry_refuses_two_codecs_for_one_encoding()
    {
        Assert.Throws<ArgumentException>(() => new UpdateCodecs([new DenseFloat32Codec(), new DenseFloat32Codec()]));
    }

    [Fact]
    public void With_replaces_the_codec_of_the_same_encoding()
    {
        var replacement = new TopKSparseCodec(0.5);
        var registry = UpdateCodecs.CreateStandard(new Random(1), 0.1).With(replacement);
        Assert.Same(replacement, registry.Get(UpdateEncoding.TopKSparse));
        Assert.Equal(5, registry.Encodings.Count);
    }

    [Fact]
    public void Digits_mlp_bytes_per_update_follow_each_codec_size_formula()
    {
        // The table for the 64-32-10 MLP (2410 parameters, 4 tensors); header = 16 bytes.
        var subset = new ParameterSubset(CodecFixtures.ExactShareIndices(2410, 603, 4), 2410);
        var registry = UpdateCodecs.CreateStandard(new Random(1), 0.1).With(new SparseSubsetCodec(subset));
        float[] x = CodecFixtures.RandomUpdate(new Random(5), 2410);
        var expected = new Dictionary<UpdateEncoding, int>
        {
            [UpdateEncoding.DenseFloat32] = 16 + (4 * 2410),            // 9656
            [UpdateEncoding.Float16] = 16 + (2 * 2410),                 // 4836
            [UpdateEncoding.Int8Stochastic] = 16 + (4 * 4) + 2410,      // 2442
            [UpdateEncoding.TopKSparse] = 16 + 4 + (8 * 241),           // 1948 (10%)
            [UpdateEncoding.SparseSubset] = 16 + 4 + 32 + (4 * 603),    // 2464 (25%)
            [UpdateEncoding.PackedStochastic] = 16 + 1 + (4 * 4) + 904, // 937 (3 bits: ⌈3·2410/8⌉ = 904)
        };
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine("encoding         bytes  ratio-vs-dense");
        foreach (var (encoding, bytes) in expected)
        {
            int actual = CodecFixtures.EncodeToArray(registry.Get(encoding), x, Layout).Length;
            output?.WriteLine($"{encoding,-16} {actual,5}  {actual / 9656.0:F3}");
            Assert.Equal(bytes, actual);
        }
    }
}
