namespace FedEdge.Device.Privacy;

/// <summary>One recorded mechanism application: kind, sampling rate q, noise multiplier σ, steps, the model version trained from, and when.</summary>
public readonly record struct LedgerEntry(
    long Sequence,
    MechanismKind Kind,
    double SamplingRate,
    double NoiseMultiplier,
    long Steps,
    long ModelVersion,
    DateTimeOffset Time);
