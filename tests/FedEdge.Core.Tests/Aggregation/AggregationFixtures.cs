using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.FedAvg;
using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Tests.Aggregation;

/// <summary>Small layouts, updates and contexts shared by the aggregation tests.</summary>
internal static class AggregationFixtures
{
    /// <summary>Four parameters: w[3] and b[1].</summary>
    public static ParameterLayout Four { get; } = new([new TensorSpec("w", 3), new TensorSpec("b", 1)]);

    public static DateTimeOffset T0 { get; } = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static ClientUpdate Update(string device, long baseVersion, float[] delta, int samples = 1, ParameterSubset? subset = null) =>
        new($"u-{device}-{baseVersion}", device, baseVersion, delta, samples, subset);

    public static AggregationContext Context(long version, ParameterLayout? layout = null, ParameterSubset? subset = null, TrainingRound? round = null) =>
        new(layout ?? Four, version, T0, subset, round);

    public static ParameterSet Model(params float[] values) => new(Four, values);

    /// <summary>A round over the given devices at version <paramref name="version"/>, open from T0 for 10 minutes.</summary>
    public static TrainingRound Round(long version, params string[] cohort) =>
        new(1, version, cohort.Order(StringComparer.Ordinal).ToArray(), T0, T0.AddMinutes(10));

    public static float[] RandomVector(Random rng, int n, double scale = 1.0)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)(((rng.NextDouble() * 2) - 1) * scale);
        }

        return v;
    }

    /// <summary>A random layout of 1–3 tensors, 1–120 elements in all.</summary>
    public static ParameterLayout RandomLayout(Random rng)
    {
        int count = rng.Next(1, 4);
        var tensors = new TensorSpec[count];
        for (int i = 0; i < count; i++)
        {
            tensors[i] = new TensorSpec($"t{i}", rng.Next(1, 41));
        }

        return new ParameterLayout(tensors);
    }

    /// <summary>The three strategies with η = 0.5 and K = <paramref name="k"/>, for properties that hold for all.</summary>
    public static IAggregationStrategy[] Strategies(int k) =>
    [
        new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = Math.Max(k, 1), MinClients = 1, ServerLearningRate = 0.5 }),
        new BufferedStrategy(new BufferedOptions { BufferSize = k, ServerLearningRate = 0.5, MaxStaleness = 100 }),
        new BufferedStrategy(new BufferedOptions { Weighting = BufferWeighting.StalenessAndDispersion, BufferSize = k, ServerLearningRate = 0.5, MaxStaleness = 100 }),
    ];
}
