using BenchmarkDotNet.Attributes;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.FedAvg;
using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Aggregation.Robust;
using FedEdge.Core.Parameters;

namespace FedEdge.Benchmarks;

/// <summary>One server step over K = 10 buffered updates of 100k parameters, per strategy and robust variant.</summary>
[MemoryDiagnoser]
public class AggregationBenchmarks
{
    private const int Parameters = 100_000;
    private const int K = 10;
    private const long Version = 20;
    private readonly ParameterLayout _layout = new([new TensorSpec("W", 1000, 99), new TensorSpec("b", 1000)]);
    private ParameterSet _model = null!;
    private ClientUpdate[] _buffer = [];
    private AggregationContext _context = null!;
    private IAggregationStrategy _strategy = null!;

    [Params("FedAvg", "FedBuff", "FTTE", "FedBuff+median", "FedBuff+trimmed", "FedBuff+normbound")]
    public string Strategy { get; set; } = "FedAvg";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _model = new ParameterSet(_layout, Vector(rng));
        _buffer = new ClientUpdate[K];
        for (int i = 0; i < K; i++)
        {
            _buffer[i] = new ClientUpdate($"u{i}", $"device-{i:D2}", Version - (i % 4), Vector(rng), 100 + i);
        }

        _context = new AggregationContext(_layout, Version, DateTimeOffset.UnixEpoch);
        var fedBuff = new BufferedStrategy(new BufferedOptions { BufferSize = K });
        _strategy = Strategy switch
        {
            "FedAvg" => new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = K }),
            "FedBuff" => fedBuff,
            "FTTE" => new BufferedStrategy(new BufferedOptions { Weighting = BufferWeighting.StalenessAndDispersion, BufferSize = K }),
            "FedBuff+median" => fedBuff.WithCombiner(new CoordinateMedianCombiner()),
            "FedBuff+trimmed" => fedBuff.WithCombiner(new TrimmedMeanCombiner(0.1)),
            "FedBuff+normbound" => new NormBoundingStrategy(fedBuff, 1.0),
            _ => throw new InvalidOperationException(Strategy),
        };
    }

    [Benchmark]
    public ParameterSet Aggregate() => _strategy.Aggregate(_model, _buffer, _context).Global;

    private static float[] Vector(Random rng)
    {
        var v = new float[Parameters];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2) - 1) * 0.01f;
        }

        return v;
    }
}
