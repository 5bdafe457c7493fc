namespace FedEdge.Core.Aggregation;

/// <summary>What one aggregation step did, for logs, metrics and the simulator's traces.</summary>
/// <param name="Strategy">Strategy name (with its decorators).</param>
/// <param name="PreviousVersion">The global version the step started from.</param>
/// <param name="NewVersion">The version of the produced global model (previous + 1).</param>
/// <param name="Contributions">Every update used, in canonical order (device id, then update id, ordinal).</param>
/// <param name="StepScale">
/// The factor the combined delta was multiplied by: η · mass, where mass is Σ of the un-normalised coefficients
/// (1 for FedAvg and FTTE without damping; Σ s(τ_i)/K for FedBuff).
/// </param>
/// <param name="Combiner">Name of the combiner that formed the centre (weighted mean, median, trimmed mean).</param>
public sealed record AggregationReport(
    string Strategy,
    long PreviousVersion,
    long NewVersion,
    IReadOnlyList<UpdateContribution> Contributions,
    double StepScale,
    string Combiner);
