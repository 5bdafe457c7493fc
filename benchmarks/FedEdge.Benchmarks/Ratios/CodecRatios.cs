using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;

namespace FedEdge.Benchmarks.Ratios;

/// <summary>
/// Payload bytes of one digits-MLP update (header included) under each codec, against dense float32.
/// Sizes depend on the layout and the codec's settings only, not on the values (top-k keeps 10 %, the
/// agent's default; the sparse subset is a 25 % FTTE-style assignment, every 4th coordinate).
/// </summary>
internal static class CodecRatios
{
    public static IReadOnlyList<(string Codec, int Bytes)> Measure(ModelArchitecture architecture, ReadOnlySpan<float> update)
    {
        var layout = architecture.Layout;
        int[] subset = [.. Enumerable.Range(0, layout.TotalLength).Where(i => i % 4 == 0)];
        var registry = UpdateCodecs.CreateStandard(new Random(7), 0.1, new ErrorFeedbackResidual(layout))
            .With(new SparseSubsetCodec(new ParameterSubset(subset, layout.TotalLength)));
        var sizes = new List<(string, int)>();
        foreach (var (name, encoding) in new[]
        {
            ("dense_float32", UpdateEncoding.DenseFloat32), ("float16", UpdateEncoding.Float16), ("int8_stochastic", UpdateEncoding.Int8Stochastic),
            ("top_k_10_percent", UpdateEncoding.TopKSparse), ("sparse_subset_25_percent", UpdateEncoding.SparseSubset),
            ("packed_stochastic_3_bit", UpdateEncoding.PackedStochastic),
        })
        {
            var codec = registry.Get(encoding);
            byte[] payload = new byte[codec.MaxEncodedSize(layout)];
            sizes.Add((name, codec.Encode(update, layout, payload)));
        }

        return sizes;
    }
}
