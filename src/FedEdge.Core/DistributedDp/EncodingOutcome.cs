namespace FedEdge.Core.DistributedDp;

/// <summary>What one DDGauss encoding did.</summary>
/// <param name="NormBeforeClipping">‖x‖₂ of the update as handed in.</param>
/// <param name="Clipped">True when ‖x‖₂ exceeded c and the update was scaled down.</param>
/// <param name="RoundingAttempts">Randomized roundings drawn until the norm bound held (KLS21 Alg. 1 step 4), ≥ 1.</param>
public readonly record struct EncodingOutcome(double NormBeforeClipping, bool Clipped, int RoundingAttempts);
