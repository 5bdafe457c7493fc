namespace FedEdge.Core.Aggregation;

/// <summary>A strategy's answer to <see cref="IAggregationStrategy.Admit"/>: accepted, or why not.</summary>
/// <param name="Rejection">The reason, <see cref="UpdateRejection.None"/> when accepted.</param>
/// <param name="Message">A human-readable explanation (empty when accepted).</param>
public readonly record struct UpdateVerdict(UpdateRejection Rejection, string Message)
{
    /// <summary>The verdict for an accepted update.</summary>
    public static UpdateVerdict Accept { get; } = new(UpdateRejection.None, string.Empty);

    /// <summary>Whether the update was accepted.</summary>
    public bool Accepted => Rejection == UpdateRejection.None;

    /// <summary>A rejection with its reason.</summary>
    public static UpdateVerdict Reject(UpdateRejection rejection, string message) => new(rejection, message);
}
