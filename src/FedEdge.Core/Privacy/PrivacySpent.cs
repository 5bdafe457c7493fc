namespace FedEdge.Core.Privacy;

/// <summary>An (ε, δ)-DP guarantee and the Rényi order at which the conversion was tightest.</summary>
/// <param name="Epsilon">ε ≥ 0 (+∞ when no order gives a finite bound).</param>
/// <param name="Delta">δ in (0, 1).</param>
/// <param name="Order">The order α that attained the minimum.</param>
public readonly record struct PrivacySpent(double Epsilon, double Delta, double Order);
