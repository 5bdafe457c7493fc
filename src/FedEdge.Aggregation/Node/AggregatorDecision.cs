namespace FedEdge.Aggregation.Node;

/// <summary>
/// One decision of the aggregator as devices see it, in the order it was taken: the trace that the hosted service and the
/// simulator must agree on (docs/architecture.md).
/// </summary>
/// <param name="Kind">What was decided.</param>
/// <param name="Device">The device concerned, if any.</param>
/// <param name="ModelVersion">The global model version the decision is about (the version published, or the update's base).</param>
/// <param name="Detail">The rejection reason, the round and updates wanted of a pace, or empty.</param>
public sealed record AggregatorDecision(AggregatorDecisionKind Kind, string? Device, long ModelVersion, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Device ?? "-"} v{ModelVersion} {Detail}".TrimEnd();
}
