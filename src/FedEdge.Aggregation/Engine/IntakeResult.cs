using FedEdge.Aggregation.State;
using FedEdge.Aggregation.Validation;

namespace FedEdge.Aggregation.Engine;

/// <summary>What receiving one update did: the verdict, and the new model if the update completed a step.</summary>
public sealed record IntakeResult(IntakeVerdict Verdict, StoredModel? NewModel);
