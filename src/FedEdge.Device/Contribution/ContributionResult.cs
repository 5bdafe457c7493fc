namespace FedEdge.Device.Contribution;

/// <summary>The result of one contribution attempt.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Message">A readable explanation for logs.</param>
/// <param name="UpdateId">The 16-byte update id when <see cref="ContributionOutcome.Enqueued"/>, else empty.</param>
/// <param name="Steps">Local optimizer steps taken.</param>
/// <param name="NormBeforeClipping">‖Δ‖₂ before user-level clipping (0 when no update was made); stays on the device.</param>
/// <param name="EpsilonSpent">The ledger's cumulative ε after this attempt.</param>
/// <param name="Delta">Distributed DP only: the raw update (not clipped, not noised) for the secure-aggregation participant, which encodes it; under an FTTE subset, zero outside it.</param>
/// <param name="SubsetId">Distributed DP only: the content hash of the FTTE subset <paramref name="Delta"/> was trained on; empty = all parameters.</param>
public sealed record ContributionResult(
    ContributionOutcome Outcome,
    string Message,
    ReadOnlyMemory<byte> UpdateId,
    long Steps,
    double NormBeforeClipping,
    double EpsilonSpent,
    float[]? Delta = null,
    ReadOnlyMemory<byte> SubsetId = default)
{
    /// <summary>Whether an update was enqueued.</summary>
    public bool Enqueued => Outcome == ContributionOutcome.Enqueued;
}
