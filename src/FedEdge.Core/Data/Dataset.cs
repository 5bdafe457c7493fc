namespace FedEdge.Core.Data;

/// <summary>
/// A labelled classification data set held in memory: a row-major float32 feature matrix and
/// one class label per row. Immutable once built; views and splits share nothing mutable.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[] _labels;

    /// <summary>Creates a data set; checks shapes, label range and finiteness.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, a label is out of range or a value is not finite.</exception>
    public Dataset(float[] features, int[] labels, int featureCount, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if ((long)labels.Length * featureCount != features.Length)
        {
            throw new ArgumentException(
                $"{features.Length} feature values do not form {labels.Length} rows of {featureCount}.", nameof(features));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Row {i}: label {labels[i]} is outside 0..{classCount - 1}.", nameof(labels));
            }
        }

        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new ArgumentException($"Row {i / featureCount}, column {i % featureCount}: value is not finite.", nameof(features));
            }
        }

        _features = features;
        _labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>Number of rows (samples).</summary>
    public int Count => _labels.Length;

    /// <summary>Number of features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of classes; labels are 0..ClassCount-1.</summary>
    public int ClassCount { get; }

    /// <summary>All features, row-major.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>All labels.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The features of row <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index) => _features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>The label of row <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[index];

    /// <summary>A new data set holding the given rows, in the given order.</summary>
    public Dataset Select(ReadOnlySpan<int> rows)
    {
        var features = new float[rows.Length * FeatureCount];
        var labels = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            Row(rows[i]).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            labels[i] = _labels[rows[i]];
        }

        return new Dataset(features, labels, FeatureCount, ClassCount);
    }

    /// <summary>A copy with every feature multiplied by <paramref name="factor"/> (e.g. 1/16 for the digits pixels).</summary>
    public Dataset Scaled(float factor)
    {
        var features = (float[])_features.Clone();
        System.Numerics.Tensors.TensorPrimitives.Multiply(features, factor, features);
        return new Dataset(features, (int[])_labels.Clone(), FeatureCount, ClassCount);
    }

    /// <summary>The last <paramref name="count"/> rows (the newest, for a store that appends); all rows when there are fewer.</summary>
    public Dataset Newest(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int take = Math.Min(count, Count);
        int[] rows = new int[take];
        for (int i = 0; i < take; i++)
        {
            rows[i] = Count - take + i;
        }

        return Select(rows);
    }

    /// <summary>
    /// Splits the rows per class so that each class keeps the same share in both parts
    /// (stratified split). The order within each class is shuffled with <paramref name="random"/>.
    /// </summary>
    public (Dataset Train, Dataset Test) StratifiedSplit(double testFraction, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in (0, 1).");
        }

        var train = new List<int>(Count);
        var test = new List<int>(Count);
        for (int c = 0; c < ClassCount; c++)
        {
            var rows = new List<int>();
            for (int i = 0; i < Count; i++)
            {
                if (_labels[i] == c)
                {
                    rows.Add(i);
                }
            }

            int[] shuffled = rows.ToArray();
            random.Shuffle(shuffled);
            int testCount = (int)Math.Round(shuffled.Length * testFraction, MidpointRounding.AwayFromZero);
            test.AddRange(shuffled.AsSpan(0, testCount).ToArray());
            train.AddRange(shuffled.AsSpan(testCount).ToArray());
        }

        int[] trainRows = train.ToArray();
        int[] testRows = test.ToArray();
        random.Shuffle(trainRows);
        random.Shuffle(testRows);
        return (Select(trainRows), Select(testRows));
    }
}
