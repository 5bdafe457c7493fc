namespace FedEdge.Core.Aggregation.Buffered;

/// <summary>How <see cref="BufferedStrategy"/> weighs the updates of one buffer — the only thing FedBuff and FTTE differ in.</summary>
public enum BufferWeighting
{
    /// <summary>FedBuff (Nguyen et al. 2022): p_i = s(τ_i) / Σ_j s(τ_j), s(τ) = 1/√(1+τ).</summary>
    Staleness,

    /// <summary>FTTE (arXiv 2510.03165): staleness × dispersion of the client updates (<see cref="Ftte.FtteWeights"/>), normalised.</summary>
    StalenessAndDispersion,
}
