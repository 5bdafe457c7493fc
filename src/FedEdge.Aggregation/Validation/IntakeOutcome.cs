namespace FedEdge.Aggregation.Validation;

/// <summary>The three ways validation ends.</summary>
public enum IntakeOutcome
{
    /// <summary>Valid and new.</summary>
    Accepted,

    /// <summary>Seen before; acknowledge and ignore.</summary>
    Duplicate,

    /// <summary>Invalid; acknowledge (so the broker stops redelivering), count and drop.</summary>
    Rejected,
}
