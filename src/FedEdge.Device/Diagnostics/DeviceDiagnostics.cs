using System.Text.Json;
using FedEdge.Device.Privacy;
using FedEdge.Protocol.Wire;

namespace FedEdge.Device.Diagnostics;

/// <summary>
/// What a person wants to know about a device without reading its logs: what it is doing, why it does not train,
/// how much of its privacy budget is spent, when it last contributed and which model it serves. The agent publishes
/// it retained as JSON on <c>fededge/v1/{fleet}/diagnostics/{device}</c> (Home Assistant's diagnostic entities read
/// it), keeps the latest in its state directory, and <c>fededge-agent status</c> prints the same object.
/// </summary>
public sealed record DeviceDiagnostics
{
    /// <summary>The state reported before the agent has recorded anything (only <c>status</c> shows it).</summary>
    public const string UnknownState = "unknown";

    /// <summary><see cref="Ledger"/> of a ledger that opened and checked out.</summary>
    public const string LedgerOk = "ok";

    /// <summary>Every <see cref="State"/> the agent reports: the device states of the wire protocol in snake_case.</summary>
    public static IReadOnlyList<string> TrainingStates { get; } = Array.AsReadOnly(
        Enum.GetValues<DeviceState>().Where(s => s != DeviceState.Unspecified).Select(StateName).ToArray());

    /// <summary>The device id.</summary>
    public required string Device { get; init; }

    /// <summary>The fleet.</summary>
    public required string Fleet { get; init; }

    /// <summary>One of <see cref="TrainingStates"/> ("idle", "training", "charging_wait", ...), or <see cref="UnknownState"/>.</summary>
    public required string State { get; init; }

    /// <summary>Whether the device may train now.</summary>
    public bool Eligible { get; init; }

    /// <summary>Why it does not train ("on battery; idle for 2 of 5 min"), null when eligible.</summary>
    public string? Reason { get; init; }

    /// <summary>The blocking conditions as codes ("on_battery", "not_idle"; see <c>EligibilityBlockers</c>).</summary>
    public IReadOnlyList<string> Blockers { get; init; } = [];

    /// <summary>ε spent so far (the privacy ledger at the budget's δ).</summary>
    public double EpsilonSpent { get; init; }

    /// <summary>ε left before the device stops contributing.</summary>
    public double EpsilonLeft { get; init; }

    /// <summary>The lifetime ε budget.</summary>
    public double EpsilonBudget { get; init; }

    /// <summary>
    /// ε against the aggregator and the broker, which see which rounds the device joined: with random check-ins the joined
    /// rounds unamplified (above <see cref="EpsilonSpent"/>, which holds against anyone who sees only models); without
    /// them equal to <see cref="EpsilonSpent"/>. Reported, not a budget.
    /// </summary>
    public double EpsilonAgainstAggregator { get; init; }

    /// <summary>q, the random check-in rate (1 = every offered round is joined).</summary>
    public double CheckInRate { get; init; } = 1.0;

    /// <summary>
    /// The privacy ledger's state: <see cref="LedgerOk"/>, or why it is refused (then the device does not train until
    /// <c>fededge-agent reset-ledger --i-understand</c>).
    /// </summary>
    public string Ledger { get; init; } = LedgerOk;

    /// <summary>When the ledger was last reset (its spent ε carried forward), or null if never.</summary>
    public DateTimeOffset? LedgerResetAt { get; init; }

    /// <summary>When the device last enqueued an update, or null if it never did.</summary>
    public DateTimeOffset? LastContribution { get; init; }

    /// <summary>Which model answers predictions: "global" or "personal".</summary>
    public required string ServedModel { get; init; }

    /// <summary>
    /// Why that model is served: the personalization choice's reason ("5-fold cross-validation: global 20.0 %, …
    /// on 60 validation samples; local-only leads the served global by more than the 9.1 % margin"), or null before
    /// personalization has decided anything. Accuracies on the home's own samples, never a parameter.
    /// </summary>
    public string? ServedReason { get; init; }

    /// <summary>The installed global model version (0 = none).</summary>
    public ulong ModelVersion { get; init; }

    /// <summary>Updates waiting in the outbox for the broker's acknowledgement.</summary>
    public int OutboxDepth { get; init; }

    /// <summary>When these figures were taken.</summary>
    public DateTimeOffset Updated { get; init; }

    /// <summary>
    /// When the device contributed to <paramref name="contributedVersion"/>, as its privacy ledger remembers it: the
    /// last release recorded for that model (the ledger records when a run reserved its budget, moments before the
    /// update was enqueued). Null when it never contributed, or contributed without DP (no ledger entry).
    /// </summary>
    public static DateTimeOffset? ContributionTime(IReadOnlyList<LedgerEntry> entries, ulong contributedVersion)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (contributedVersion == 0)
        {
            return null;
        }

        for (int i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i].ModelVersion == (long)contributedVersion)
            {
                return entries[i].Time;
            }
        }

        return null;
    }

    /// <summary>The snake_case name of a wire device state ("charging_wait").</summary>
    public static string StateName(DeviceState state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    /// <summary>
    /// Whether <paramref name="other"/> differs in what a person waits to see at once — the state, eligibility, the
    /// blocking conditions, the model, the served model or a new contribution — rather than in figures that drift
    /// (ε, the outbox depth, the numbers inside the reason), which may wait for the next regular refresh.
    /// </summary>
    public bool DiffersMateriallyFrom(DeviceDiagnostics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return !string.Equals(State, other.State, StringComparison.Ordinal)
            || Eligible != other.Eligible
            || !Blockers.SequenceEqual(other.Blockers, StringComparer.Ordinal)
            || ModelVersion != other.ModelVersion
            || !string.Equals(ServedModel, other.ServedModel, StringComparison.Ordinal)
            || LastContribution != other.LastContribution;
    }

    /// <summary>Whether anything but <see cref="Updated"/> differs.</summary>
    public bool DiffersFrom(DeviceDiagnostics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return DiffersMateriallyFrom(other)
            || !string.Equals(Reason, other.Reason, StringComparison.Ordinal)
            || !string.Equals(ServedReason, other.ServedReason, StringComparison.Ordinal)
            || !Device.Equals(other.Device, StringComparison.Ordinal)
            || !Fleet.Equals(other.Fleet, StringComparison.Ordinal)
            || EpsilonSpent != other.EpsilonSpent
            || EpsilonLeft != other.EpsilonLeft
            || EpsilonBudget != other.EpsilonBudget
            || EpsilonAgainstAggregator != other.EpsilonAgainstAggregator
            || CheckInRate != other.CheckInRate
            || OutboxDepth != other.OutboxDepth;
    }
}
