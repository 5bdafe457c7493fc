using BenchmarkDotNet.Attributes;
using FedEdge.Core.Privacy;

namespace FedEdge.Benchmarks;

/// <summary>Cost of privacy accounting on the default order grid (a device checks its budget before every round).</summary>
[MemoryDiagnoser]
public class AccountantBenchmarks
{
    private readonly RdpAccountant _accountant = new();
    private readonly SubsampledGaussian _mnist = new(256.0 / 60000, 1.1, 14063);

    [Benchmark]
    public double EpsilonOfMnistDpSgd() => _accountant.GetPrivacySpent(_mnist, 1e-5).Epsilon;

    [Benchmark]
    public double NoiseMultiplierForEpsilonThree() => _accountant.MinimumNoiseMultiplier(3.0, 1e-5, 256.0 / 60000, 14063);
}
