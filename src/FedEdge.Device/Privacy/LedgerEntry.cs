namespace FedEdge.Device.Privacy;

/// <summary>
/// One ledger record: a mechanism application — kind, sampling rate q, noise multiplier σ, steps, the model version
/// trained from, and when — or a <see cref="MechanismKind.Reset"/>, which carries a lost ledger's spent ε forward
/// (<see cref="CarriedEpsilon"/>; its <see cref="Steps"/> is the number of records the reset replaced).
/// </summary>
public readonly record struct LedgerEntry(
    long Sequence,
    MechanismKind Kind,
    double SamplingRate,
    double NoiseMultiplier,
    long Steps,
    long ModelVersion,
    DateTimeOffset Time)
{
    /// <summary>For a <see cref="MechanismKind.Reset"/>: the ε spent before it, counted in full ever after; 0 otherwise.</summary>
    public double CarriedEpsilon { get; init; }
}
