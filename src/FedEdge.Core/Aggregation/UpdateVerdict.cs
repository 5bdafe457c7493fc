namespace FedEdge.Core.Aggregation;

/// <summary>A strategy's answer to <see cref="IAggregationStrategy.Admit"/>: accepted, or why not.</summary>
/// <param name="Rejection">The reason, null when accepted.</param>
/// <param name="Message">A human-readable explanation (empty when accepted).</param>
public readonly record struct UpdateVerdict(RejectionReason? Rejection, string Message)
{
    /// <summary>The verdict for an accepted update.</summary>
    public static UpdateVerdict Accept { get; } = new(null, string.Empty);

    /// <summary>Whether the update was accepted.</summary>
    public bool Accepted => Rejection is null;

    /// <summary>A rejection with its reason.</summary>
    public static UpdateVerdict Reject(RejectionReason rejection, string message) => new(rejection, message);
}
