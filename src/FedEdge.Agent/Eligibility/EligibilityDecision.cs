namespace FedEdge.Agent.Eligibility;

/// <summary>Whether the device may train, and if not, every reason why not (for logs and status).</summary>
public sealed record EligibilityDecision(bool Eligible, IReadOnlyList<string> Blockers)
{
    /// <summary>The reasons joined for a log line ("eligible" when there are none).</summary>
    public override string ToString() => Eligible ? "eligible" : string.Join("; ", Blockers);
}
