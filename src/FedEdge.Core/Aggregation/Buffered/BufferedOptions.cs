namespace FedEdge.Core.Aggregation.Buffered;

/// <summary>Settings of <see cref="BufferedStrategy"/> (FedBuff and FTTE). docs/ftte-aggregation.md explains FTTE's choices.</summary>
public sealed record BufferedOptions
{
    /// <summary>
    /// K, the number of updates buffered per server step (default 10, the value Nguyen et al. 2022 use in most experiments).
    /// FTTE runs want it small but at least 5, so the median centre and the median-based dispersion scale of
    /// <see cref="Ftte.FtteWeights"/> still ignore up to two outlying updates (breakdown point ⌊(K−1)/2⌋).
    /// </summary>
    public int BufferSize { get; init; } = 10;

    /// <summary>η_g, the server learning rate (default 1).</summary>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>
    /// Updates with staleness τ above this are rejected (default 10: s(10) ≈ 0.30, and a device ten versions
    /// behind trained on a model the fleet has already moved far from). FedBuff itself sets no limit.
    /// </summary>
    public long MaxStaleness { get; init; } = 10;

    /// <summary>How the updates of a buffer are weighed (default <see cref="BufferWeighting.Staleness"/>, FedBuff).</summary>
    public BufferWeighting Weighting { get; init; } = BufferWeighting.Staleness;

    /// <summary>
    /// Whether devices train a server-assigned sparse subset (FTTE) chosen under the smallest device's training-memory
    /// budget (default false: every coordinate, FedBuff).
    /// </summary>
    public bool AssignSubsets { get; init; }

    /// <summary>The training-memory budget assumed before any device reported one (default 256 KiB; with <see cref="AssignSubsets"/>).</summary>
    public long DefaultMemoryBudgetBytes { get; init; } = 256 * 1024;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new OptionErrors();
        errors.Require(BufferSize >= 1, $"BufferSize must be ≥ 1, got {BufferSize}");
        errors.Require(ServerLearningRate > 0.0 && double.IsFinite(ServerLearningRate), $"ServerLearningRate must be positive and finite, got {ServerLearningRate}");
        errors.Require(MaxStaleness >= 0, $"MaxStaleness must be ≥ 0, got {MaxStaleness}");
        errors.Require(Enum.IsDefined(Weighting), $"Weighting {Weighting} is not defined");
        errors.Require(DefaultMemoryBudgetBytes > 0, $"DefaultMemoryBudgetBytes must be positive, got {DefaultMemoryBudgetBytes}");
        errors.ThrowIfAny(nameof(BufferedOptions));
    }
}
