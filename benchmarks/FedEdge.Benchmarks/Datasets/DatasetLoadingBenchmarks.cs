using BenchmarkDotNet.Attributes;
using FedEdge.Core.Data;
using FedEdge.Sensors.Datasets;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Benchmarks.Datasets;

/// <summary>
/// Cost of getting training data onto a device: parsing CSV text (digits-sized, 1,797 × 65 columns,
/// from memory so disk speed does not count) and generating synthetic smart-home windows.
/// </summary>
[MemoryDiagnoser]
public class DatasetLoadingBenchmarks
{
    private byte[] _csv = [];
    private readonly CsvDatasetReader _reader = new();

    [GlobalSetup]
    public void Setup()
    {
        // Digits-shaped integer pixels 0–16 with labels 0–9, seeded.
        var random = new Random(1);
        var features = new float[1797 * 64];
        var labels = new int[1797];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = random.Next(0, 17);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 10;
        }

        using var stream = new MemoryStream();
        CsvDatasetWriter.Write(new Dataset(features, labels, 64, 10), stream);
        _csv = stream.ToArray();
    }

    [Benchmark]
    public Dataset ReadDigitsSizedCsv()
    {
        using var stream = new MemoryStream(_csv, writable: false);
        return _reader.Read(stream, "benchmark");
    }

    [Benchmark]
    public Dataset GenerateSmartHome1000Windows() => new SmartHomeActivityGenerator(1).GenerateHome(0, 1000);
}
