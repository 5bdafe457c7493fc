namespace FedEdge.Core.Data;

/// <summary>
/// Per-feature z-scoring fitted on a training set: x' = (x − μⱼ) / σⱼ, with σⱼ = 1 for a constant
/// feature (e.g. a digits pixel that is always 0) so nothing divides by zero.
/// </summary>
public sealed class FeatureStandardization
{
    private readonly float[] _mean;
    private readonly float[] _inverseStd;

    private FeatureStandardization(float[] mean, float[] inverseStd)
    {
        _mean = mean;
        _inverseStd = inverseStd;
    }

    /// <summary>Per-feature means.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>Fits means and standard deviations (population, float64 accumulation) on <paramref name="data"/>.</summary>
    public static FeatureStandardization Fit(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot fit a standardisation on an empty data set.", nameof(data));
        }

        int d = data.FeatureCount;
        double[] sum = new double[d];
        double[] sumSquares = new double[d];
        for (int i = 0; i < data.Count; i++)
        {
            var row = data.Row(i);
            for (int j = 0; j < d; j++)
            {
                sum[j] += row[j];
                sumSquares[j] += (double)row[j] * row[j];
            }
        }

        float[] mean = new float[d];
        float[] inverseStd = new float[d];
        for (int j = 0; j < d; j++)
        {
            double m = sum[j] / data.Count;
            double variance = Math.Max(0, (sumSquares[j] / data.Count) - (m * m));
            mean[j] = (float)m;
            inverseStd[j] = variance > 1e-12 ? (float)(1 / Math.Sqrt(variance)) : 1f;
        }

        return new FeatureStandardization(mean, inverseStd);
    }

    /// <summary>A standardised copy of <paramref name="data"/>.</summary>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != _mean.Length)
        {
            throw new ArgumentException($"Fitted on {_mean.Length} features, got {data.FeatureCount}.", nameof(data));
        }

        float[] features = data.Features.ToArray();
        for (int i = 0; i < data.Count; i++)
        {
            var row = features.AsSpan(i * _mean.Length, _mean.Length);
            System.Numerics.Tensors.TensorPrimitives.Subtract(row, _mean, row);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, _inverseStd, row);
        }

        return new Dataset(features, data.Labels.ToArray(), data.FeatureCount, data.ClassCount);
    }
}
