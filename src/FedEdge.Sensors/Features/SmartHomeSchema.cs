using FedEdge.Core.Data;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Sensors.Features;

/// <summary>
/// The smart-home data every part of FedEdge agrees on, defined once: the 14 features in column order (what the sampler
/// writes, the generator simulates and the model reads), the activity classes in label order (what predictions name and
/// feedback labels), and the fixed standardisation z = (x − centre) / scale per feature. The constants are the pooled mean and standard deviation
/// of each feature measured once (seed 12345, 200 homes × 1000 windows) and rounded; they are fixed
/// rather than fitted so that every device of a federation scales its data identically without
/// sharing any statistics.
/// </summary>
public static class SmartHomeSchema
{
    /// <summary>Number of activity classes.</summary>
    public const int ClassCount = 5;

    /// <summary>The 14 feature names in column order: per sensor its window mean then its window standard deviation.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } = Array.AsReadOnly(
    [
        "temperature_mean_c", "temperature_std_c",
        "humidity_mean_pct", "humidity_std_pct",
        "co2_mean_ppm", "co2_std_ppm",
        "light_mean_lux", "light_std_lux",
        "sound_mean_db", "sound_std_db",
        "motion_mean_per_min", "motion_std_per_min",
        "power_mean_w", "power_std_w",
    ]);

    /// <summary>The class names in class-index order ("empty", "sleeping", "cooking", ...).</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(
        Enum.GetNames<SmartHomeActivity>().Select(n => n.ToLowerInvariant()).ToArray());

    /// <summary>Whether a model with <paramref name="inputs"/> inputs and <paramref name="classes"/> outputs reads these features and names its classes.</summary>
    public static bool Fits(int inputs, int classes) => inputs == FeatureNames.Count && classes <= ClassNames.Count;

    private static readonly float[] CentreValues = [20.2f, 0.0797f, 46.6f, 0.422f, 617f, 8.08f, 240f, 10.7f, 36.7f, 3.82f, 1.27f, 1.81f, 351f, 153f];

    private static readonly float[] ScaleValues = [1.71f, 0.0117f, 8.19f, 0.132f, 180f, 1.19f, 282f, 15.5f, 9.12f, 1.15f, 2.77f, 2.03f, 451f, 293f];

    /// <summary>Per-feature centre, in the order of <see cref="SmartHomeSchema.FeatureNames"/>.</summary>
    public static IReadOnlyList<float> Centre { get; } = Array.AsReadOnly(CentreValues);

    /// <summary>Per-feature scale, in the order of <see cref="SmartHomeSchema.FeatureNames"/>.</summary>
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
