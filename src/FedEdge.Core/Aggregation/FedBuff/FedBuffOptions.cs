namespace FedEdge.Core.Aggregation.FedBuff;

/// <summary>Settings of <see cref="FedBuffStrategy"/>.</summary>
public sealed record FedBuffOptions
{
    /// <summary>K, the number of updates buffered per server step (default 10, the value Nguyen et al. 2022 use in most experiments).</summary>
    public int BufferSize { get; init; } = 10;

    /// <summary>η_g, the server learning rate (default 1).</summary>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>
    /// Updates with staleness τ above this are rejected (default 10: s(10) ≈ 0.30, and a device ten versions
    /// behind trained on a model the fleet has already moved far from). FedBuff itself sets no limit.
    /// </summary>
    public long MaxStaleness { get; init; } = 10;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new OptionErrors();
        errors.Require(BufferSize >= 1, $"BufferSize must be ≥ 1, got {BufferSize}");
        errors.Require(ServerLearningRate > 0.0 && double.IsFinite(ServerLearningRate), $"ServerLearningRate must be positive and finite, got {ServerLearningRate}");
        errors.Require(MaxStaleness >= 0, $"MaxStaleness must be ≥ 0, got {MaxStaleness}");
        errors.ThrowIfAny(nameof(FedBuffOptions));
    }
}
