namespace FedEdge.Device.Eligibility;

/// <summary>
/// Why a device does not train, as flags: the decision's text carries the figures ("power good for only 12 s"),
/// these say which conditions block, so a change of reason can be told from figures that merely moved on
/// (the agent logs and announces the former, not every tick of the latter).
/// </summary>
[Flags]
public enum EligibilityBlockers
{
    /// <summary>Nothing blocks.</summary>
    None = 0,

    /// <summary>Other processes' load has not been low for long enough.</summary>
    NotIdle = 1 << 0,

    /// <summary>Charging or mains power, but not yet for <see cref="EligibilityOptions.PowerStableFor"/>.</summary>
    PowerNotStable = 1 << 1,

    /// <summary>Running on battery.</summary>
    OnBattery = 1 << 2,

    /// <summary>The power source cannot tell.</summary>
    PowerUnknown = 1 << 3,

    /// <summary>Too hot (with hysteresis).</summary>
    TooHot = 1 << 4,

    /// <summary>The privacy ledger cannot afford another run.</summary>
    PrivacyBudgetSpent = 1 << 5,

    /// <summary>No newer global model, or not enough new samples.</summary>
    NoWork = 1 << 6,

    /// <summary>The aggregator's pace does not invite this device now.</summary>
    OutsideCheckInWindow = 1 << 7,

    /// <summary>No global model has been received yet.</summary>
    NoModel = 1 << 8,

    /// <summary>The device already contributed to the current global model.</summary>
    AlreadyContributed = 1 << 9,

    /// <summary>The current global model cannot be trained here (incompatible or diverged); waiting for the next.</summary>
    ModelUnusable = 1 << 10,

    /// <summary>
    /// The random check-in coin said no for the current global model version (its offer is charged all the same); waiting
    /// for the next version.
    /// </summary>
    CheckInDeclined = 1 << 11,
}
