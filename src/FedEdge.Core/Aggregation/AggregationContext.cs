using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// The server's position as the caller sees it, passed in on every call so strategies stay pure:
/// no clock is read and no state is hidden in the strategy object.
/// </summary>
/// <param name="Layout">The global model's layout.</param>
/// <param name="CurrentVersion">The version of the global model now published.</param>
/// <param name="Now">The caller's current time (from its <see cref="TimeProvider"/>; virtual in the simulator).</param>
/// <param name="Subset">The coordinate set updates must cover (FTTE assignment), or null for dense updates.</param>
/// <param name="Round">The open synchronous round (FedAvg); null for asynchronous strategies.</param>
public sealed record AggregationContext(
    ParameterLayout Layout,
    long CurrentVersion,
    DateTimeOffset Now,
    ParameterSubset? Subset = null,
    TrainingRound? Round = null)
{
    /// <summary>
    /// Subsets assigned before <see cref="Subset"/> within the staleness window (FTTE re-chooses its subset after every step):
    /// a sparse update over one of them is still admitted and pooled over the coordinates it covers. Empty by default.
    /// </summary>
    public IReadOnlyList<ParameterSubset> EarlierSubsets { get; init; } = [];
}
