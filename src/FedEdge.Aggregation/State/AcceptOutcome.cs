namespace FedEdge.Aggregation.State;

/// <summary>What persisting an update did.</summary>
public enum AcceptOutcome
{
    /// <summary>New: now in the buffer, durably.</summary>
    Accepted,

    /// <summary>Its update id was seen before (a broker redelivery or a device retry): nothing changed.</summary>
    Duplicate,
}
