using System.ComponentModel.DataAnnotations;
using FedEdge.Core.Aggregation.Robust;

namespace FedEdge.Aggregation.Privacy;

/// <summary>
/// The fleet's differential-privacy settings as the aggregator knows them (the devices' <c>Agent:Privacy</c> defaults,
/// so an aggregator configured with nothing agrees with devices configured with nothing). From them the aggregator
/// derives its norm bound (<see cref="GaussianUpdateNormBound"/>), refuses updates that declare no DP, and keeps its
/// own ε ledger per device against <see cref="Epsilon"/>. Bound from "Aggregator:Engine:Privacy".
/// </summary>
public sealed class FleetPrivacyOptions
{
    /// <summary>The fleet's mechanism. Default UserLevel; anything but None refuses updates declaring no DP.</summary>
    public FleetDpMode Mode { get; set; } = FleetDpMode.UserLevel;

    /// <summary>S, the devices' user-level clipping norm. Default 1 (the device default).</summary>
    [Range(1e-6, 1e6)]
    public double ClipNorm { get; set; } = 1.0;

    /// <summary>z, the devices' user-level noise multiplier. Default 3 (the device default).</summary>
    [Range(0.0, 1e4)]
    public double NoiseMultiplier { get; set; } = 3.0;

    /// <summary>Each device's lifetime ε, as the aggregator's ledger composes what the device declared. Default 8 (the device default).</summary>
    [Range(1e-6, 1e6)]
    public double Epsilon { get; set; } = 8;

    /// <summary>δ of the budget. Default 1e-5 (the device default).</summary>
    [Range(1e-12, 0.1)]
    public double Delta { get; set; } = 1e-5;

    /// <summary>
    /// t of the norm bound M = S + z·S·(√d + t): an honest update is clipped with probability at most exp(−t²/2).
    /// Default 6 (at most one update in 6.6·10⁷).
    /// </summary>
    [Range(0.0, 40.0)]
    public double NormTail { get; set; } = 6.0;

    /// <summary>Whether updates that declare no DP are refused (every mode but None).</summary>
    public bool RequiresDp => Mode != FleetDpMode.None;

    /// <summary>M for a model of <paramref name="dimension"/> parameters, or null when the mode gives no bound (SampleLevel, None).</summary>
    public double? UpdateNormBound(int dimension) =>
        Mode == FleetDpMode.UserLevel ? GaussianUpdateNormBound.Compute(ClipNorm, NoiseMultiplier, dimension, NormTail) : null;
}
