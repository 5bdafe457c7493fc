using BenchmarkDotNet.Attributes;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Training;

namespace FedEdge.Benchmarks.Training;

/// <summary>
/// Training throughput of the digits MLP 64-32-10 (AdamW, one ORT thread) on the real digits data.
/// Each invocation is one gradient + optimizer step on a batch of 32; the reported time is per
/// sample (OperationsPerInvoke = 32), so samples/s = 1 / Mean.
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private const int BatchSize = 32;
    private string _directory = string.Empty;
    private OrtTrainer? _trainer;
    private DigitsBatches? _batches;

    [GlobalSetup]
    public void Setup()
    {
        _batches = new DigitsBatches(BatchSize);
        _directory = Directory.CreateTempSubdirectory("fededge-bench-").FullName;
        TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-64-32-10"), TrainableSet.All, OptimizerSettings.Default, _directory);
        _trainer = OrtTrainer.Load(_directory);
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "MLP 64-32-10 train step, batch 32 (per sample)")]
    public float TrainStep() => _batches!.Step(_trainer!);

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
