using FedEdge.Protocol.Wire;

namespace FedEdge.Aggregator.Validation;

/// <summary>The result of validating one update: accepted (with its decoded delta), a duplicate, or rejected with a reason.</summary>
public sealed class UpdateVerdict
{
    private UpdateVerdict(UpdateVerdictKind kind, RejectionReason? reason, string message, ModelUpdate? update, float[]? delta)
    {
        Kind = kind;
        Reason = reason;
        Message = message;
        Update = update;
        Delta = delta;
    }

    /// <summary>Accepted, duplicate or rejected.</summary>
    public UpdateVerdictKind Kind { get; }

    /// <summary>The rejection reason (null unless rejected).</summary>
    public RejectionReason? Reason { get; }

    /// <summary>A human-readable explanation for logs.</summary>
    public string Message { get; }

    /// <summary>The parsed update (null when it could not be parsed).</summary>
    public ModelUpdate? Update { get; }

    /// <summary>The decoded delta over the full layout (zeros outside a subset); null unless accepted.</summary>
    public float[]? Delta { get; }

    public static UpdateVerdict Accept(ModelUpdate update, float[] delta) => new(UpdateVerdictKind.Accepted, null, "accepted", update, delta);

    public static UpdateVerdict Duplicate(ModelUpdate update) => new(UpdateVerdictKind.Duplicate, null, "duplicate update id", update, null);

    public static UpdateVerdict Reject(RejectionReason reason, string message, ModelUpdate? update = null) =>
        new(UpdateVerdictKind.Rejected, reason, message, update, null);

    /// <inheritdoc/>
    public override string ToString() => Reason is RejectionReason r ? $"{r}: {Message}" : Message;
}
