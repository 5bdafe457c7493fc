using FedEdge.Core.Data;

namespace FedEdge.Sensors.Simulated;

/// <summary>
/// A fixed standardisation of the <see cref="SmartHomeActivityGenerator"/> features:
/// z = (x − centre) / scale per feature. The constants are the pooled mean and standard deviation
/// of each feature measured once (seed 12345, 200 homes × 1000 windows) and rounded; they are fixed
/// rather than fitted so that every device of a federation scales its data identically without
/// sharing any statistics.
/// </summary>
public static class SmartHomeFeatureScaling
{
    private static readonly float[] CentreValues = [20.2f, 0.0797f, 46.6f, 0.422f, 617f, 8.08f, 240f, 10.7f, 36.7f, 3.82f, 1.27f, 1.81f, 351f, 153f];

    private static readonly float[] ScaleValues = [1.71f, 0.0117f, 8.19f, 0.132f, 180f, 1.19f, 282f, 15.5f, 9.12f, 1.15f, 2.77f, 2.03f, 451f, 293f];

    /// <summary>Per-feature centre, in the order of <see cref="SmartHomeActivityGenerator.FeatureNames"/>.</summary>
    public static IReadOnlyList<float> Centre { get; } = Array.AsReadOnly(CentreValues);

    /// <summary>Per-feature scale, in the order of <see cref="SmartHomeActivityGenerator.FeatureNames"/>.</summary>
    public static IReadOnlyList<float> Scale { get; } = Array.AsReadOnly(ScaleValues);

    /// <summary>A copy of <paramref name="raw"/> with every feature standardised.</summary>
    /// <exception cref="ArgumentException">The data set does not have the generator's feature count.</exception>
    public static Dataset Standardize(Dataset raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        int width = CentreValues.Length;
        if (raw.FeatureCount != width)
        {
            throw new ArgumentException($"Expected {width} smart-home features, got {raw.FeatureCount}.", nameof(raw));
        }

        var features = raw.Features.ToArray();
        Span<float> inverseScale = stackalloc float[width];
        for (int j = 0; j < width; j++)
        {
            inverseScale[j] = 1f / ScaleValues[j];
        }

        for (int offset = 0; offset < features.Length; offset += width)
        {
            var row = features.AsSpan(offset, width);
            System.Numerics.Tensors.TensorPrimitives.Subtract(row, CentreValues, row);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, inverseScale, row);
        }

        return new Dataset(features, raw.Labels.ToArray(), width, raw.ClassCount);
    }
}
