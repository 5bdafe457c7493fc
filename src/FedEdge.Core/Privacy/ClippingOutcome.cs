namespace FedEdge.Core.Privacy;

/// <summary>What clipping did to one client update.</summary>
/// <param name="NormBeforeClipping">‖Δ‖₂ before clipping.</param>
/// <param name="WithinBound">
/// Whether ‖Δ‖₂ ≤ S: the bit b_i that adaptive clipping aggregates (Andrew et al. 2021, Alg. 1).
/// </param>
public readonly record struct ClippingOutcome(double NormBeforeClipping, bool WithinBound);
