using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// The step both buffered asynchronous strategies take, parameterised by how the buffered updates
/// are weighted: canonical order, staleness τᵢ, FedBuff's damping (1/n)·Σ s(τⱼ) as the step scale
/// (times η), the strategy's normalised weights for the centre, and the report.
/// </summary>
internal static class BufferedStep
{
    public static AggregationResult Aggregate(
        string name,
        double learningRate,
        IUpdateCombiner combiner,
        ParameterSet model,
        IReadOnlyList<ClientUpdate> buffer,
        AggregationContext context,
        Func<ClientUpdate[], long[], double[]> normalisedWeights)
    {
        var ordered = AggregationStep.Canonical(buffer, context);
        var staleness = new long[ordered.Length];
        double damping = 0.0;
        for (int i = 0; i < ordered.Length; i++)
        {
            staleness[i] = AggregationStep.Staleness(ordered[i], context);
            damping += StalenessWeight.Polynomial(staleness[i]);
        }

        double[] weights = normalisedWeights(ordered, staleness);
        double scale = learningRate * damping / ordered.Length;
        var next = AggregationStep.Apply(model, ordered, weights, scale, combiner, context);
        var report = new AggregationReport(
            name, context.CurrentVersion, context.CurrentVersion + 1, AggregationStep.Contributions(ordered, weights, context), scale, combiner.Name);
        return new AggregationResult(next, report);
    }
}
