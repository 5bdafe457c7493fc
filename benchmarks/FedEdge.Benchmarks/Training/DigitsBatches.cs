using FedEdge.Cli.Data;
using FedEdge.Core.Data;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Datasets;

namespace FedEdge.Benchmarks.Training;

/// <summary>The standardised digits data and a shuffled cursor over it, so every invocation trains on the next fixed-size batch.</summary>
internal sealed class DigitsBatches
{
    private readonly int[] _order;
    private readonly int _batchSize;
    private int _cursor;

    public DigitsBatches(int batchSize)
    {
        var raw = new CsvDatasetReader().Read(RepositoryDataFiles.Find(RepositoryDataFiles.DigitsFileName));
        Data = FeatureStandardization.Fit(raw).Apply(raw);
        _batchSize = batchSize;
        _order = Enumerable.Range(0, Data.Count).ToArray();
        new Random(0).Shuffle(_order);
    }

    public Dataset Data { get; }

    /// <summary>One gradient + optimizer step of <paramref name="trainer"/> on the next batch.</summary>
    public float Step(OrtTrainer trainer)
    {
        if (_cursor + _batchSize > _order.Length)
        {
            _cursor = 0;
        }

        float loss = trainer.TrainStep(Data, _order.AsSpan(_cursor, _batchSize), 0.001f);
        _cursor += _batchSize;
        return loss;
    }
}
