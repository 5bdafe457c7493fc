namespace FedEdge.Simulation.Results;

/// <summary><c>--dp distributed</c>: what secure aggregation and the distributed discrete Gaussian did in one run.</summary>
public sealed record SecureAggregationResult
{
    /// <summary>n: devices per group (the buffer K).</summary>
    public required int GroupSize { get; init; }

    /// <summary>The fewest masked inputs a group's sum is released from (also the n_min the noise is sized for).</summary>
    public required int MinimumSurvivors { get; init; }

    /// <summary>b: bits per coordinate of the masked vectors.</summary>
    public required int Bits { get; init; }

    /// <summary>γ: the rounding grid.</summary>
    public required double Gamma { get; init; }

    /// <summary>σ² of each device's discrete Gaussian, in grid units².</summary>
    public required double LocalVariance { get; init; }

    /// <summary>Groups that reached n joins and got their roster (released, or abandoned after the roster).</summary>
    public required long GroupsFormed { get; init; }

    /// <summary>Groups whose sum was released and applied as a server step.</summary>
    public required long GroupsReleased { get; init; }

    /// <summary>Groups abandoned, nothing released (at any phase, formation timeouts included).</summary>
    public required long GroupsAbandoned { get; init; }

    /// <summary>Of <see cref="GroupsAbandoned"/>, those that never reached n joins.</summary>
    public required long GroupsAbandonedForming { get; init; }

    /// <summary>Released groups the strategy did not apply (too stale).</summary>
    public required long GroupsNotApplied { get; init; }

    /// <summary>Messages the coordinator refused (a join while its open groups are at their bound, most often).</summary>
    public required long Refused { get; init; }

    /// <summary>Joins the devices sent.</summary>
    public required long Joins { get; init; }

    /// <summary>Masked inputs the devices sent.</summary>
    public required long MaskedInputs { get; init; }

    /// <summary>1 − mean survivors / n over the released groups: members whose update is not in their group's released sum.</summary>
    public required double DropoutRateReleased { get; init; }

    /// <summary>Members of formed groups that never sent their masked input: 1 − masked inputs / (n · groups formed).</summary>
    public required double DropoutRateFormed { get; init; }

    /// <summary>Mean survivors per released group.</summary>
    public required double MeanSurvivors { get; init; }

    /// <summary>
    /// Standard deviation per coordinate of the discrete-Gaussian noise on the released mean, γ·σ/√s for s survivors,
    /// averaged over the released groups (rounding's at most γ/2·…/√s is not included). In model units.
    /// </summary>
    public required double NoisePerCoordinate { get; init; }

    /// <summary>Bytes the devices sent on their secagg topics (joins, shares, masked inputs, unmask answers).</summary>
    public required long UploadBytes { get; init; }
}
