namespace FedEdge.Core.Aggregation.FedAvg;

/// <summary>What to do with a synchronous round given the updates so far and the time.</summary>
public enum RoundDecision
{
    /// <summary>Keep waiting: the deadline has not passed and not every sampled device has reported.</summary>
    Wait = 0,

    /// <summary>Aggregate now: every sampled device reported, or the deadline passed with at least the minimum.</summary>
    Close,

    /// <summary>The deadline passed with fewer than the minimum number of clients: discard and open a new round.</summary>
    Abandon,
}
