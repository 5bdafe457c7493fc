namespace FedEdge.Core.SecureAggregation;

/// <summary>The outcome of <see cref="SecAggUnmasking.Unmask"/>.</summary>
/// <param name="Rejection"><see cref="UnmaskingRejection.None"/> when the destination holds Σ_{u ∈ survivors} x_u mod 2^b.</param>
/// <param name="Detail">What was missing or wrong; empty on success.</param>
public readonly record struct UnmaskingResult(UnmaskingRejection Rejection, string Detail)
{
    /// <summary>True when the sum was released.</summary>
    public bool Succeeded => Rejection == UnmaskingRejection.None;
}
