using FedEdge.Core.Data;

namespace FedEdge.Sensors.Tests.Simulated;

/// <summary>
/// The simplest learner that can tell whether a data set carries class information: one mean
/// vector per class (float64), predict the class whose mean is nearest in Euclidean distance.
/// </summary>
internal sealed class NearestCentroidClassifier
{
    private readonly double[][] _centroids;

    private NearestCentroidClassifier(double[][] centroids)
    {
        _centroids = centroids;
    }

    public static NearestCentroidClassifier Fit(IEnumerable<Dataset> training)
    {
        double[][]? sums = null;
        int[]? counts = null;
        foreach (var data in training)
        {
            sums ??= Enumerable.Range(0, data.ClassCount).Select(_ => new double[data.FeatureCount]).ToArray();
            counts ??= new int[data.ClassCount];
            for (int i = 0; i < data.Count; i++)
            {
                int label = data.Label(i);
                counts[label]++;
                var row = data.Row(i);
                for (int j = 0; j < row.Length; j++)
                {
                    sums[label][j] += row[j];
                }
            }
        }

        if (sums is null || counts is null)
        {
            throw new ArgumentException("No training data.", nameof(training));
        }

        for (int c = 0; c < sums.Length; c++)
        {
            for (int j = 0; j < sums[c].Length; j++)
            {
                // A class never seen gets an unreachable centroid.
                sums[c][j] = counts[c] == 0 ? double.PositiveInfinity : sums[c][j] / counts[c];
            }
        }

        return new NearestCentroidClassifier(sums);
    }

    public int Predict(ReadOnlySpan<float> row)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int c = 0; c < _centroids.Length; c++)
        {
            double distance = 0;
            for (int j = 0; j < row.Length; j++)
            {
                double d = row[j] - _centroids[c][j];
                distance += d * d;
            }

            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = c;
            }
        }

        return best;
    }

    public double Accuracy(IEnumerable<Dataset> test)
    {
        int correct = 0;
        int total = 0;
        foreach (var data in test)
        {
            for (int i = 0; i < data.Count; i++)
            {
                total++;
                if (Predict(data.Row(i)) == data.Label(i))
                {
                    correct++;
                }
            }
        }

        return (double)correct / total;
    }
}
