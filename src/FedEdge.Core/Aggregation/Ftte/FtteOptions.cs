namespace FedEdge.Core.Aggregation.Ftte;

/// <summary>Settings of <see cref="FtteStrategy"/>. docs/ftte-aggregation.md explains the choices.</summary>
public sealed record FtteOptions
{
    /// <summary>
    /// K, updates per server step (default 5). Small, because FTTE exists to stop slow, memory-starved devices
    /// from holding the fleet back, and a home fleet has tens of devices, not thousands; but at least 5, so the
    /// median centre and the median-based dispersion scale in <see cref="FtteWeights"/> still ignore up to two
    /// outlying updates (breakdown point ⌊(K−1)/2⌋).
    /// </summary>
    public int BufferSize { get; init; } = 5;

    /// <summary>η, the server learning rate (default 1).</summary>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>Updates with staleness τ above this are rejected (default 10, as for FedBuff).</summary>
    public long MaxStaleness { get; init; } = 10;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new OptionErrors();
        errors.Require(BufferSize >= 1, $"BufferSize must be ≥ 1, got {BufferSize}");
        errors.Require(ServerLearningRate > 0.0 && double.IsFinite(ServerLearningRate), $"ServerLearningRate must be positive and finite, got {ServerLearningRate}");
        errors.Require(MaxStaleness >= 0, $"MaxStaleness must be ≥ 0, got {MaxStaleness}");
        errors.ThrowIfAny(nameof(FtteOptions));
    }
}
