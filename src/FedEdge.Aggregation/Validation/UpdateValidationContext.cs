using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Aggregation.Validation;

/// <summary>What the validator checks an update against: the aggregator's current state.</summary>
/// <param name="Fleet">This aggregator's fleet.</param>
/// <param name="Layout">The global model's parameter layout.</param>
/// <param name="CurrentVersion">The newest published model version.</param>
/// <param name="Subsets">Assigned parameter subsets by content hash (FTTE); empty when every device trains all parameters.</param>
/// <param name="IsSeen">Whether an update id was accepted before.</param>
/// <param name="TryCountUpdate">
/// Counts an update of a device against its rate and says whether it is within it (the engine's is persisted); null = the
/// validator's own in-memory window.
/// </param>
public sealed record UpdateValidationContext(
    string Fleet,
    ParameterLayout Layout,
    long CurrentVersion,
    IReadOnlyDictionary<string, ParameterSubset> Subsets,
    Func<byte[], bool> IsSeen,
    Func<string, bool>? TryCountUpdate = null)
{
    /// <summary>
    /// The strategy's staleness limit, when it has one: a sparse update over a subset the aggregator no longer knows whose
    /// base version is also beyond it is refused as <see cref="FedEdge.Core.Aggregation.RejectionReason.TooStale"/>, the
    /// reason that would refuse it anyway (subsets are remembered for that window only), not as an unknown subset.
    /// </summary>
    public long? MaxStaleness { get; init; }
}
