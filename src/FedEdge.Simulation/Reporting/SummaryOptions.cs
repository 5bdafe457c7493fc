using System.Globalization;
using FedEdge.Device.Contribution;
using FedEdge.Simulation.Running;

namespace FedEdge.Simulation.Reporting;

/// <summary>
/// The settings a summary was produced with, flattened to strings and numbers so that summary.json
/// stays readable (and comparable) without the simulation's types.
/// </summary>
/// <param name="Devices">Fleet size.</param>
/// <param name="Dataset">Data source (synthetic, digits, or a path).</param>
/// <param name="Partition">How the data was dealt (natural, iid, dirichlet:α).</param>
/// <param name="Strategies">Strategies compared, lower case, in the order given.</param>
/// <param name="Codec">Update codec of the dense strategies.</param>
/// <param name="Dp">DP mechanism (None, UserLevel, SampleLevel).</param>
/// <param name="Epsilon">Per-device ε budget; null without DP.</param>
/// <param name="Delta">δ of the budget; null without DP.</param>
/// <param name="Stragglers">Fraction of devices that are ≥ 10× slower.</param>
/// <param name="HorizonHours">Simulated horizon in hours.</param>
/// <param name="TargetAccuracy">Accuracy (fraction, 0..1) whose first crossing is the time to target.</param>
/// <param name="Seeds">Seeds run.</param>
/// <param name="BufferSize">K: updates per server step (FedBuff, FTTE).</param>
/// <param name="ClientsPerRound">FedAvg cohort size.</param>
/// <param name="Robust">How the aggregator pooled each step (TrimmedMean, Median, None).</param>
/// <param name="CheckInRate">q of random check-ins with user-level DP (1 = none); null without user-level DP.</param>
/// <param name="NoiseMultiplier">The devices' user-level noise multiplier z; null without user-level DP.</param>
/// <param name="OfferedRounds">Offered rounds z affords per device (⌈C/q⌉); null without user-level DP.</param>
public sealed record SummaryOptions(
    int Devices,
    string Dataset,
    string Partition,
    IReadOnlyList<string> Strategies,
    string Codec,
    string Dp,
    double? Epsilon,
    double? Delta,
    double Stragglers,
    double HorizonHours,
    double TargetAccuracy,
    IReadOnlyList<int> Seeds,
    int BufferSize,
    int ClientsPerRound,
    string Robust = "TrimmedMean",
    double? CheckInRate = null,
    double? NoiseMultiplier = null,
    long? OfferedRounds = null)
{
    /// <summary>True when the devices added DP noise (and so spent ε).</summary>
    public bool UsesDp => !string.Equals(Dp, nameof(ContributionPrivacy.None), StringComparison.OrdinalIgnoreCase);

    /// <summary>Echoes <paramref name="options"/>.</summary>
    public static SummaryOptions From(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool dp = options.Privacy != ContributionPrivacy.None;
        // distributed DP is a user-level guarantee too, charged the same way (z is the group's noise)
        bool userLevel = options.Privacy is ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed;
        return new SummaryOptions(
            options.Devices,
            options.Dataset.ToString(),
            options.Partition.ToString(),
            [.. options.Strategies.Select(FleetSimulation.Name)],
            options.Codec.ToString(),
            options.Privacy.ToString(),
            dp ? options.Epsilon : null,
            dp ? options.Delta : null,
            options.StragglerFraction,
            options.MaxTime.TotalHours,
            options.TargetAccuracy,
            [.. options.Seeds],
            options.BufferSize,
            options.ClientsPerRound,
            options.Robust.ToString(),
            userLevel ? options.CheckInRate : null,
            userLevel ? options.UserLevelNoiseMultiplier(new FedEdge.Core.Privacy.RdpAccountant()) : null,
            userLevel ? options.OfferedRounds : null);
    }

    /// <summary>One line describing the setup, for the report's header.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Devices} devices, {Dataset} data ({Partition}), {Stragglers:P0} stragglers, DP {Dp}{(UsesDp ? $" ε={Epsilon:G3} δ={Delta:G2}" : string.Empty)}{(CheckInRate is < 1 and double q ? $" check-in q={q:G3} z={NoiseMultiplier:F3} ({OfferedRounds} offered rounds)" : string.Empty)}, codec {Codec}, K={BufferSize}, FedAvg cohort {ClientsPerRound}, pooling {Robust}, horizon {HorizonHours:G3} h, target accuracy {TargetAccuracy:P1}, seeds {string.Join(", ", Seeds)}");
}
