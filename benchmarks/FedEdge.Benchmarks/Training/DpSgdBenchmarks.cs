using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using FedEdge.Core.Data;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Privacy;
using FedEdge.Onnx.Training;

namespace FedEdge.Benchmarks.Training;

/// <summary>
/// DP-SGD step time ÷ non-DP step time for the MLP 64-32-10 on digits, batch 64 (issue 2/7 target ≤ 1.3×).
/// The baseline is a plain step on a fixed batch of 64; the DP step Poisson-samples an expected 64
/// rows (q = 64/n), runs the per-example-clipping graph, adds secure Gaussian noise and steps the optimizer.
/// </summary>
[MemoryDiagnoser]
public class DpSgdBenchmarks
{
    private const int BatchSize = 64;
    private readonly List<string> _directories = [];
    private OrtTrainer? _plain;
    private OrtTrainer? _private;
    private DpSgd? _dpSgd;
    private RandomNumberGenerator? _rng;
    private GaussianNoise? _noise;
    private DigitsBatches? _plainBatches;
    private DigitsBatches? _privateBatches;

    [GlobalSetup]
    public void Setup()
    {
        _plainBatches = new DigitsBatches(BatchSize);
        _privateBatches = new DigitsBatches(BatchSize);
        var digits = _plainBatches.Data;
        var architecture = ModelArchitecture.Parse("mlp-64-32-10");
        _plain = OrtTrainer.Load(Generate(architecture, perExampleClipping: false));
        _private = OrtTrainer.Load(Generate(architecture, perExampleClipping: true));
        _rng = RandomNumberGenerator.Create();
        _noise = new GaussianNoise(_rng);
        _dpSgd = new DpSgd(_private, new DpSgdSettings((double)BatchSize / digits.Count, 1.1, 1f), _noise, new SecureRandomBits(_rng), digits.Count);
    }

    [Benchmark(Baseline = true, Description = "plain step, batch 64")]
    public float PlainStep() => _plainBatches!.Step(_plain!);

    [Benchmark(Description = "DP-SGD step, Poisson q=64/n")]
    public float DpStep() => _dpSgd!.Step(_privateBatches!.Data, 0.001f);

    [Benchmark(Description = "DP graph + optimizer only, batch 64 (no sampling, no noise)")]
    public float DpGraphOnly() => _privateBatches!.Step(_private!);

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain?.Dispose();
        _private?.Dispose();
        _noise?.Dispose();
        _rng?.Dispose();
        foreach (string directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private string Generate(ModelArchitecture architecture, bool perExampleClipping)
    {
        string directory = Directory.CreateTempSubdirectory("fededge-bench-").FullName;
        _directories.Add(directory);
        TrainingArtifactGenerator.Generate(architecture, TrainableSet.All, OptimizerSettings.Default, directory, perExampleClipping: perExampleClipping);
        return directory;
    }
}
