using BenchmarkDotNet.Attributes;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Benchmarks;

/// <summary>Encode and decode of a 100k-parameter update under each codec (top-k 10 %, subset 25 %).</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int Parameters = 100_000;
    private readonly ParameterLayout _layout = new([new TensorSpec("W", 1000, 99), new TensorSpec("b", 1000)]);
    private float[] _update = [];
    private float[] _decoded = [];
    private byte[] _payload = [];
    private int _payloadLength;
    private IUpdateCodec _codec = null!;

    [ParamsSource(nameof(Encodings))]
    public UpdateEncoding Encoding { get; set; }

    public static IEnumerable<UpdateEncoding> Encodings =>
    [
        UpdateEncoding.DenseFloat32,
        UpdateEncoding.Float16,
        UpdateEncoding.Int8Stochastic,
        UpdateEncoding.TopKSparse,
        UpdateEncoding.SparseSubset,
    ];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _update = new float[Parameters];
        for (int i = 0; i < Parameters; i++)
        {
            _update[i] = (float)((rng.NextDouble() * 2) - 1) * 0.01f;
        }

        var indices = new List<int>();
        for (int i = 0; i < Parameters; i += 4)
        {
            indices.Add(i);
        }

        var registry = UpdateCodecs.CreateStandard(new Random(7), 0.1, new ErrorFeedbackResidual(_layout))
            .With(new SparseSubsetCodec(new ParameterSubset(indices.ToArray(), Parameters)));
        _codec = registry.Get(Encoding);
        _payload = new byte[_codec.MaxEncodedSize(_layout)];
        _decoded = new float[Parameters];
        _payloadLength = _codec.Encode(_update, _layout, _payload);
    }

    [Benchmark]
    public int Encode() => _codec.Encode(_update, _layout, _payload);

    [Benchmark]
    public bool Decode() => _codec.TryDecode(_payload.AsSpan(0, _payloadLength), _layout, _decoded).Succeeded;
}
