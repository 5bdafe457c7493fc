using FedEdge.Core.Codecs;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// What a strategy plans between steps, owned and persisted by its caller (the strategy itself holds no state): the open
/// synchronous round and the round counter (FedAvg), the trainable subset devices are assigned and the importance that
/// chooses it (FTTE). Immutable: <see cref="IAggregationStrategy.Configure"/> and <see cref="IAggregationStrategy.AfterStep"/>
/// return a new one.
/// </summary>
/// <param name="Round">The open round, or null.</param>
/// <param name="RoundNumber">The number of the last round opened (0 = none yet).</param>
/// <param name="Subset">The subset devices train, or null for all coordinates.</param>
/// <param name="Importance">Per-coordinate importance (an exponential average of past steps), or null when not tracked.</param>
/// <param name="UnmetMemoryBudget">The budget no subset fitted at the last selection (for the operator's log), or null.</param>
public sealed record RoundState(TrainingRound? Round, long RoundNumber, ParameterSubset? Subset, float[]? Importance, long? UnmetMemoryBudget = null)
{
    /// <summary>Nothing planned yet.</summary>
    public static RoundState Empty { get; } = new(null, 0, null, null);
}
