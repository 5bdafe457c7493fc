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
    /// q, the devices' random check-in rate (<c>Agent:Privacy:CheckInRate</c>). The pace sizes its check-in windows with it
    /// until the devices' own declarations arrive, and again after a restart (<c>CheckInRateEstimate</c>): without it a
    /// fleet at q = 0.02 gets the longest windows until its first group fills. Default 1 (the device default: no check-ins).
    /// </summary>
    [Range(1e-3, 1.0)]
    public double CheckInRate { get; set; } = 1.0;

    /// <summary>
    /// t of the norm bound M = S + z·S·(√d + t): an honest update is clipped with probability at most exp(−t²/2).
    /// Default 6 (at most one update in 6.6·10⁷).
    /// </summary>
    [Range(0.0, 40.0)]
    public double NormTail { get; set; } = 6.0;

    /// <summary>Distributed: b, bits per coordinate of the masked vectors (mod 2^b). Default 16.</summary>
    [Range(2, 16)]
    public int SecAggBits { get; set; } = 16;

    /// <summary>
    /// Distributed: the fewest masked inputs a group's sum is released from, as a fraction of the group (n_min = ⌈f·n⌉, at
    /// least 2). Each device's discrete-Gaussian share is sized so that n_min honest devices carry z·Δ₂ together; a group
    /// with fewer survivors is abandoned. Default 0.7.
    /// </summary>
    [Range(0.01, 1.0)]
    public double SecAggMinimumSurvivorFraction { get; set; } = 0.7;

    /// <summary>Distributed: ρ, each member's assumed probability of dropping before the unmask round (chooses k and t). Default 0.1.</summary>
    [Range(0.0, 0.9)]
    public double SecAggDropoutRate { get; set; } = 0.1;

    /// <summary>Distributed: the fraction of a group assumed to collude with the aggregator (m = ⌊f·n⌋; chooses k and t). Default 0.1.</summary>
    [Range(0.0, 0.5)]
    public double SecAggColludingFraction { get; set; } = 0.1;

    /// <summary>
    /// Distributed: how long a group may wait for its n joins. Then a group with at least n_min joins starts with them; one with
    /// fewer is abandoned and its joiners are told so. Default 30 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SecAggFormationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Distributed: from the roster to the last member's sealed shares (members without shares are excluded). Default 2 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SecAggSharesTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Distributed: from the shares deadline to the masked-input deadline (members that sent none have dropped). Default 10 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SecAggMaskedInputTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Distributed: from the masked-input deadline to the unmask deadline (the sum is unmasked from the answers in by then). Default 2 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SecAggUnmaskTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether updates that declare no DP are refused (every mode but None).</summary>
    public bool RequiresDp => Mode != FleetDpMode.None;

    /// <summary>M for a model of <paramref name="dimension"/> parameters, or null when the mode gives no bound (SampleLevel, None).</summary>
    public double? UpdateNormBound(int dimension) =>
        Mode == FleetDpMode.UserLevel ? GaussianUpdateNormBound.Compute(ClipNorm, NoiseMultiplier, dimension, NormTail) : null;
}
