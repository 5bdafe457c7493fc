using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// A federated aggregation strategy in the spirit of Flower's <c>Strategy</c> (configure round, aggregate),
/// reduced to pure functions. The strategy object holds only immutable settings; everything that changes —
/// the buffer of accepted updates, the current version, the open round, the time — is owned by the caller
/// (the aggregator service persists it in SQLite; the simulator keeps it in memory) and passed in on every call.
/// So the same inputs give bit-identical outputs, and a restarted service resumes exactly where it crashed.
/// Updates are always combined in a canonical order (device id, then update id, ordinal comparison), so the
/// order of the buffer does not change a single bit of the result.
/// </summary>
/// <remarks>
/// Protocol: for each decoded update call <see cref="Admit"/>; if accepted, the caller appends it to its buffer
/// and asks <see cref="IsReady"/>; when ready it calls <see cref="Aggregate"/>, publishes the new model and
/// clears the buffer. Robust aggregation is layered on without forking a strategy: <see cref="WithCombiner"/>
/// swaps the rule that turns weighted deltas into one (coordinate-wise median, trimmed mean), and decorators
/// such as <see cref="Robust.NormBoundingStrategy"/> wrap any strategy.
/// </remarks>
public interface IAggregationStrategy
{
    /// <summary>A short name including settings and decorators, for reports and logs.</summary>
    string Name { get; }

    /// <summary>The rule that forms the centre of the weighted deltas.</summary>
    IUpdateCombiner Combiner { get; }

    /// <summary>
    /// Checks <paramref name="update"/> against the layout/subset, finiteness, versions and the strategy's own
    /// limits (staleness, cohort, one update per device per step), given the <paramref name="buffer"/> so far.
    /// Never throws for bad client data: a rejection carries the reason.
    /// </summary>
    UpdateVerdict Admit(ClientUpdate update, IReadOnlyList<ClientUpdate> buffer, AggregationContext context);

    /// <summary>Whether the buffer is enough to take a step now (buffer full, or the round may close).</summary>
    bool IsReady(IReadOnlyList<ClientUpdate> buffer, AggregationContext context);

    /// <summary>
    /// configure_fit: plans the next step in <paramref name="state"/> — opens a round, assigns a subset — or returns it
    /// unchanged. Called at start, on every tick and after every step; must be idempotent when nothing changed.
    /// </summary>
    RoundState Configure(RoundState state, RoundContext context);

    /// <summary>Whether the step should be taken now (Close), the round given up (Abandon, FedAvg at a deadline), or neither.</summary>
    FedAvg.RoundDecision Decide(RoundState state, IReadOnlyList<ClientUpdate> buffer, AggregationContext context);

    /// <summary>
    /// The plan after a step from <paramref name="before"/> to <paramref name="after"/> (called before the new version is
    /// published): a closed round is over; FTTE learns which coordinates moved and chooses the next subset.
    /// </summary>
    RoundState AfterStep(RoundState state, ParameterSet before, ParameterSet after, RoundContext context);

    /// <summary>
    /// How many updates this step wants (the pace devices read, and what the check-in windows are sized by): K for a buffered
    /// strategy whatever its buffer holds (a steady demand; the buffer refills as soon as it steps), or the open round's
    /// cohort members that have not reported. The strategy says it, so the engine need not know which strategy it runs.
    /// </summary>
    int UpdatesWanted(IReadOnlyList<ClientUpdate> buffer, AggregationContext context);

    /// <summary>
    /// Combines the buffered updates into a new global model. <paramref name="model"/> (the current global model) is not modified.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The buffer is empty or holds an update <see cref="Admit"/> would reject (a caller bug: defence in depth).
    /// </exception>
    AggregationResult Aggregate(ParameterSet model, IReadOnlyList<ClientUpdate> buffer, AggregationContext context);

    /// <summary>The same strategy with the weighted mean replaced by <paramref name="combiner"/>.</summary>
    IAggregationStrategy WithCombiner(IUpdateCombiner combiner);
}
