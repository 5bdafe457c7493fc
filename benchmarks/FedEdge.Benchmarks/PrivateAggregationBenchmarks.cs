using System.Globalization;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using FedEdge.Core.Codecs;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.Parameters;
using FedEdge.Core.Privacy;
using FedEdge.Core.SecureAggregation;
using FedEdge.Protocol.SecureAggregation;

namespace FedEdge.Benchmarks;

/// <summary>
/// The device's cost of a private contribution (issue 3/5) against today's float16 codec, per model size: DDGauss
/// encoding (clip, randomized Hadamard rotation, conditional rounding, discrete Gaussian noise, wrap to b = 16 bits),
/// pairwise masking with k neighbours, and the k key agreements of a round. d = 645 is mlp-14-32-5, 2,410 the digits
/// MLP 64-32-10, 4,837 the size named in the issue. k = 60 is <see cref="SecAggNeighbourhoodPlan"/>'s choice for a group of
/// 100 with 30 % dropout and 5 colluders; k = 10 a small neighbourhood for comparison. Noise calibrated for ε = 3,
/// δ = 1e-5, q = 0.1, 200 rounds (z = 2.335), n_min = 100. Bytes per update are printed by the setup.
/// </summary>
[MemoryDiagnoser]
public class PrivateAggregationBenchmarks
{
    private float[] _update = [];
    private byte[] _float16Payload = [];
    private ushort[] _encoded = [];
    private ushort[] _masked = [];
    private byte[] _selfSeed = [];
    private ParameterLayout _layout = null!;
    private Float16Codec _float16 = null!;
    private DistributedDiscreteGaussianEncoder _encoder = null!;
    private RandomNumberGenerator _rng = null!;
    private SecureRandomBits _bits = null!;
    private DiscreteGaussianSampler _sampler = null!;
    private MaskExpander _expander = null!;
    private List<PairwiseSeed> _neighbours = [];
    private SecAggKeyPair _own = null!;
    private SecAggKeyPair[] _peers = [];
    private byte[] _roundSeed = [];
    private byte[] _seed = [];

    [Params(645, 2_410, 4_837)]
    public int Dimension { get; set; }

    [Params(10, 60)]
    public int Neighbours { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _update = [.. Enumerable.Range(0, Dimension).Select(_ => (float)((random.NextDouble() * 2) - 1) * 0.05f)];
        _layout = new ParameterLayout([new TensorSpec("update", Dimension)]);
        _float16 = new Float16Codec();
        _float16Payload = new byte[_float16.MaxEncodedSize(_layout)];

        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(Dimension, 1.0, 16, 100, 100, 2.3354);
        _encoder = new DistributedDiscreteGaussianEncoder(parameters);
        _rng = RandomNumberGenerator.Create();
        _bits = new SecureRandomBits(_rng);
        _sampler = new DiscreteGaussianSampler(_rng);
        _encoded = new ushort[parameters.PaddedDimension];
        _masked = new ushort[parameters.PaddedDimension];
        _roundSeed = RandomNumberGenerator.GetBytes(32);
        _selfSeed = RandomNumberGenerator.GetBytes(32);
        _neighbours = [.. Enumerable.Range(1, Neighbours).Select(v => new PairwiseSeed(v, RandomNumberGenerator.GetBytes(32)))];
        _expander = new MaskExpander();
        _own = SecAggKeyPair.Generate();
        _peers = [.. Enumerable.Range(0, Neighbours).Select(_ => SecAggKeyPair.Generate())];
        _seed = new byte[32];

        // One DDGauss payload is b·D/8 bytes plus the 16-byte update header every codec payload carries.
        int ddgBytes = parameters.PayloadBytes + 16;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// bytes per update, d = {Dimension}: DDGauss b = 16, D = {parameters.PaddedDimension}: {ddgBytes}; float16: {_float16Payload.Length}; ratio {(double)ddgBytes / _float16Payload.Length:F2}; γ = {parameters.Gamma:G4}, σ² = {parameters.LocalVariance:G4}"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _encoder.Dispose();
        _sampler.Dispose();
        _rng.Dispose();
        _expander.Dispose();
        _own.Dispose();
        foreach (SecAggKeyPair peer in _peers)
        {
            peer.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public int Float16Encode() => _float16.Encode(_update, _layout, _float16Payload);

    [Benchmark]
    public int DiscreteGaussianEncode() => _encoder.Encode(_update, _roundSeed, _bits, _sampler, _encoded).RoundingAttempts;

    [Benchmark]
    public void Mask() => PairwiseMasking.Mask(_expander, _encoded, 16, 0, _selfSeed, _neighbours, _masked);

    [Benchmark]
    public void EncodeAndMask()
    {
        _encoder.Encode(_update, _roundSeed, _bits, _sampler, _encoded);
        PairwiseMasking.Mask(_expander, _encoded, 16, 0, _selfSeed, _neighbours, _masked);
    }

    [Benchmark]
    public void KeyAgreements()
    {
        for (int v = 0; v < _peers.Length; v++)
        {
            PairwiseSeedDerivation.TryDerive(_own, _peers[v].PublicKey.Span, SeedPurpose.PairwiseMask, "fleet", 1, "device-a", $"device-{v}", _seed);
        }
    }
}
