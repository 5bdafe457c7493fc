namespace FedEdge.Device.Eligibility;

/// <summary>One observation of everything that decides whether the device may train now.</summary>
/// <param name="Idle">Other processes' load has been low long enough (<see cref="IdleTracker"/>).</param>
/// <param name="Power">What the power source says.</param>
/// <param name="TemperatureCelsius">The hottest thermal zone, or null where the board has none.</param>
/// <param name="PrivacyBudgetLeft">The ledger can afford the planned run.</param>
/// <param name="HasWork">A newer global model or enough new samples since the last run.</param>
/// <param name="PaceInvites">The aggregator's pace message invites a contribution now (true when there is none yet).</param>
/// <param name="IdleSoFar">How long the load has been low so far (<see cref="IdleTracker.IdleSoFar"/>), for the reason text; null = unknown.</param>
public readonly record struct EligibilitySignals(
    bool Idle,
    PowerState Power,
    double? TemperatureCelsius,
    bool PrivacyBudgetLeft,
    bool HasWork,
    bool PaceInvites,
    TimeSpan? IdleSoFar = null);
