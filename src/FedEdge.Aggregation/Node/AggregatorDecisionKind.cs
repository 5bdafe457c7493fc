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

    /// <summary>A secure-aggregation message was refused (the detail names why; nothing changed).</summary>
    SecAggRefused,

    /// <summary>A secure-aggregation group's mean was released and applied as one step (the detail names group and survivors).</summary>
    SecAggGroupReleased,

    /// <summary>A secure-aggregation group was abandoned: nothing released, the model unchanged.</summary>
    SecAggGroupAbandoned,
}
