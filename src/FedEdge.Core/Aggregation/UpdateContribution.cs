namespace FedEdge.Core.Aggregation;

/// <summary>How one buffered update entered an aggregation step.</summary>
/// <param name="UpdateId">The update's id.</param>
/// <param name="DeviceId">The device that sent it.</param>
/// <param name="BaseVersion">The version it was trained from.</param>
/// <param name="Staleness">τ = current version − base version.</param>
/// <param name="Weight">Its normalised weight p_i in the combination (Σ p_i = 1).</param>
/// <param name="ClipFactor">The factor norm bounding applied to its delta (1 when not clipped or not bounded).</param>
public readonly record struct UpdateContribution(
    string UpdateId,
    string DeviceId,
    long BaseVersion,
    long Staleness,
    double Weight,
    double ClipFactor = 1.0);
