namespace FedEdge.Simulation.Aggregation;

/// <summary><c>--dp distributed</c>: counts of what the aggregator's secure-aggregation groups did in one run.</summary>
public sealed class SecAggTally
{
    /// <summary>Survivors (masked inputs in the released sum) of every released group whose mean was applied, in order.</summary>
    public List<int> Survivors { get; } = [];

    /// <summary>Groups abandoned (nothing released), at any phase.</summary>
    public long GroupsAbandoned { get; set; }

    /// <summary>Of <see cref="GroupsAbandoned"/>, those that never reached n joins (formation timeout).</summary>
    public long GroupsAbandonedForming { get; set; }

    /// <summary>Released groups the strategy did not apply (too stale).</summary>
    public long GroupsNotApplied { get; set; }

    /// <summary>Secure-aggregation messages the coordinator refused (e.g. a join while the most groups allowed are open).</summary>
    public long Refused { get; set; }

    /// <summary>Bytes of every message devices sent on their secagg topics (joins, shares, masked inputs, unmask answers).</summary>
    public long UploadBytes { get; set; }
}
