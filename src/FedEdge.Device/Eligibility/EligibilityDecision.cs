using System.Text.Json;

namespace FedEdge.Device.Eligibility;

/// <summary>Whether the device may train, and if not, every reason why not (for logs and status).</summary>
public sealed record EligibilityDecision(bool Eligible, IReadOnlyList<string> Blockers)
{
    /// <summary>Which conditions block (<see cref="EligibilityBlockers.None"/> when eligible).</summary>
    public EligibilityBlockers Kinds { get; init; }

    /// <summary>The blocking conditions as snake_case codes ("on_battery", "not_idle"), in flag order.</summary>
    public IReadOnlyList<string> Codes
    {
        get
        {
            var codes = new List<string>();
            foreach (var kind in Enum.GetValues<EligibilityBlockers>())
            {
                if (kind != EligibilityBlockers.None && Kinds.HasFlag(kind))
                {
                    codes.Add(JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString()));
                }
            }

            return codes;
        }
    }

    /// <summary>A decision blocked by one condition the caller found before asking the policy (no model yet, ...).</summary>
    public static EligibilityDecision Blocked(EligibilityBlockers kind, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new EligibilityDecision(false, [reason]) { Kinds = kind };
    }

    /// <summary>The reasons joined for a log line ("eligible" when there are none).</summary>
    public override string ToString() => Eligible ? "eligible" : string.Join("; ", Blockers);
}
