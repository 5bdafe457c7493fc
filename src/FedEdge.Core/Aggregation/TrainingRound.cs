namespace FedEdge.Core.Aggregation;

/// <summary>
/// A synchronous round (FedAvg) as the server opened it: which model version it trains, which devices were
/// sampled and until when it waits. Plain and serializable, so a restarted service resumes the same round.
/// </summary>
/// <param name="Number">Round number t.</param>
/// <param name="ModelVersion">The global version the cohort trains from; updates on another base are rejected.</param>
/// <param name="Cohort">The sampled device ids, sorted ordinally.</param>
/// <param name="OpenedAt">When the round was opened (caller's clock).</param>
/// <param name="Deadline">After this instant the round closes with what it has (or is abandoned).</param>
public sealed record TrainingRound(
    long Number,
    long ModelVersion,
    IReadOnlyList<string> Cohort,
    DateTimeOffset OpenedAt,
    DateTimeOffset Deadline);
