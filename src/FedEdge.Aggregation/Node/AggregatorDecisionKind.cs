namespace FedEdge.Aggregation.Node;

/// <summary>The kinds of <see cref="AggregatorDecision"/>.</summary>
public enum AggregatorDecisionKind
{
    /// <summary>An update was validated, admitted and persisted.</summary>
    UpdateAccepted,

    /// <summary>An update was refused (the detail names the reason).</summary>
    UpdateRejected,

    /// <summary>An update id seen before: acknowledged and ignored.</summary>
    UpdateDuplicate,

    /// <summary>A signed global model was published (retained).</summary>
    ModelPublished,

    /// <summary>A pace was published (retained).</summary>
    PacePublished,
}
