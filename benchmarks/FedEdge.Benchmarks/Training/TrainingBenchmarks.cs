using BenchmarkDotNet.Attributes;
using FedEdge.Core.Data;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Datasets;

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
    private Dataset? _digits;
    private int[] _order = [];
    private int _cursor;

    [GlobalSetup]
    public void Setup()
    {
        var raw = new CsvDatasetReader().Read(RepositoryData.Digits);
        _digits = FeatureStandardization.Fit(raw).Apply(raw);
        _directory = Directory.CreateTempSubdirectory("fededge-bench-").FullName;
        TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-64-32-10"), TrainableSet.All, OptimizerSettings.Default, _directory);
        _trainer = OrtTrainer.Load(_directory);
        _order = Enumerable.Range(0, _digits.Count).ToArray();
        new Random(0).Shuffle(_order);
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "MLP 64-32-10 train step, batch 32 (per sample)")]
    public float TrainStep()
    {
        if (_cursor + BatchSize > _order.Length)
        {
            _cursor = 0;
        }

        float loss = _trainer!.TrainStep(_digits!, _order.AsSpan(_cursor, BatchSize), 0.001f);
        _cursor += BatchSize;
        return loss;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
