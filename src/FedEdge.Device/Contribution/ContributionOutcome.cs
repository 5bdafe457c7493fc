namespace FedEdge.Device.Contribution;

/// <summary>How one contribution attempt ended.</summary>
public enum ContributionOutcome
{
    /// <summary>An update was privatised, encoded and stored in the outbox.</summary>
    Enqueued,

    /// <summary>The device stopped being eligible during training; nothing was spent or sent.</summary>
    Interrupted,

    /// <summary>The privacy ledger cannot afford another update; nothing was trained.</summary>
    BudgetExhausted,

    /// <summary>Fewer local samples than the minimum; nothing was trained.</summary>
    NotEnoughSamples,

    /// <summary>The model does not fit the local samples (features, classes) or its parameters do not decode.</summary>
    IncompatibleModel,

    /// <summary>Local training produced non-finite parameters; nothing was spent or sent.</summary>
    Diverged,

    /// <summary>
    /// Distributed DP: the raw update was handed to secure aggregation (<see cref="ContributionResult.Delta"/>), charged
    /// (or its join recorded) before; nothing went to the outbox.
    /// </summary>
    HandedToSecureAggregation,
}
