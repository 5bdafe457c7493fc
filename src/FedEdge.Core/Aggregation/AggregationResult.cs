using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>The outcome of <see cref="IAggregationStrategy.Aggregate"/>.</summary>
/// <param name="Global">The new global model (a new set; the input is not modified).</param>
/// <param name="Report">What went into it.</param>
public sealed record AggregationResult(ParameterSet Global, AggregationReport Report);
