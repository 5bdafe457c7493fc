using BenchmarkDotNet.Attributes;
using FedEdge.Core.Privacy;

namespace FedEdge.Benchmarks;

/// <summary>
/// Cost of noising one model update on the device: target &lt; 5 ms for 100k float32 coordinates
/// (OS cryptographic generator, Box–Muller in double precision).
/// </summary>
[MemoryDiagnoser]
public class NoiseBenchmarks
{
    private GaussianNoise _noise = null!;
    private DiscreteGaussianSampler _discrete = null!;
    private float[] _update = null!;
    private long[] _integers = null!;

    [Params(2_410, 100_000)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _noise = new GaussianNoise();
        _discrete = new DiscreteGaussianSampler();
        _update = new float[Length];
        _integers = new long[Length];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _noise.Dispose();
        _discrete.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void AddGaussianNoise() => _noise.AddNoise(_update, 0.01);

    [Benchmark]
    public void FillDiscreteGaussian() => _discrete.Fill(_integers, 100.0);
}
