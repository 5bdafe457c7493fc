using FedEdge.Core.Aggregation;
using FedEdge.Protocol.Wire;

namespace FedEdge.Aggregation.Validation;

/// <summary>The result of validating one update: accepted (with its decoded delta), a duplicate, or rejected with a reason.</summary>
public sealed class IntakeVerdict
{
    private IntakeVerdict(IntakeOutcome kind, RejectionReason? reason, string message, ModelUpdate? update, float[]? delta)
    {
        Kind = kind;
        Reason = reason;
        Message = message;
        Update = update;
        Delta = delta;
    }

    /// <summary>Accepted, duplicate or rejected.</summary>
    public IntakeOutcome Kind { get; }

    /// <summary>The rejection reason (null unless rejected).</summary>
    public RejectionReason? Reason { get; }

    /// <summary>A human-readable explanation for logs.</summary>
    public string Message { get; }

    /// <summary>The parsed update (null when it could not be parsed).</summary>
    public ModelUpdate? Update { get; }

    /// <summary>The decoded delta over the full layout (zeros outside a subset); null unless accepted.</summary>
    public float[]? Delta { get; }

    public static IntakeVerdict Accept(ModelUpdate update, float[] delta) => new(IntakeOutcome.Accepted, null, "accepted", update, delta);

    public static IntakeVerdict Duplicate(ModelUpdate update) => new(IntakeOutcome.Duplicate, null, "duplicate update id", update, null);

    public static IntakeVerdict Reject(RejectionReason reason, string message, ModelUpdate? update = null) =>
        new(IntakeOutcome.Rejected, reason, message, update, null);

    /// <inheritdoc/>
    public override string ToString() => Reason is RejectionReason r ? $"{r}: {Message}" : Message;
}
