namespace FedEdge.Aggregation.Engine;

/// <summary>The aggregation schemes the service runs.</summary>
public enum StrategyKind
{
    /// <summary>Synchronous FedAvg rounds with a sampled cohort and a deadline (McMahan et al. 2017).</summary>
    FedAvg,

    /// <summary>Buffered asynchronous aggregation with staleness weights (Nguyen et al. 2022).</summary>
    FedBuff,

    /// <summary>
    /// FTTE: sparse subset under the smallest device's memory budget (for the memory classes that cannot train the whole
    /// model, <see cref="AggregationEngineOptions.FtteDenseWhereItFits"/>), staleness- and dispersion-weighted (arXiv 2510.03165).
    /// </summary>
    Ftte,
}
