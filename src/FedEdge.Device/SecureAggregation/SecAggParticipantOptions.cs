using FedEdge.Protocol.Wire;

namespace FedEdge.Device.SecureAggregation;

/// <summary>What a device accepts of a roster, and how long it waits for one.</summary>
public sealed record SecAggParticipantOptions
{
    /// <summary>
    /// The smallest noise multiplier z the device accepts in a roster: its ledger charges a round at the z it
    /// calibrated, so a group promising less noise is refused. 0 accepts any.
    /// </summary>
    public double MinimumNoiseMultiplier { get; init; }

    /// <summary>
    /// q, the device's random check-in rate, declared in its join so that the aggregator's own ledger charges each released
    /// group at the rate the device's ledger charges its offers (docs/privacy.md). Default 1 (no check-ins).
    /// </summary>
    public double SamplingRate { get; init; } = 1.0;

    /// <summary>
    /// FTTE: the content hash (32 bytes) of the subset the update was trained on, declared in the join so that the aggregator
    /// divides each coordinate of the group's sum by the members that trained it; empty (default) = all parameters. The
    /// update handed to <see cref="SecAggParticipant.SubmitUpdate"/> is zero outside the subset.
    /// </summary>
    public ReadOnlyMemory<byte> SubsetId { get; init; }

    /// <summary>Largest group the device joins (its share work and the roster's size grow with it).</summary>
    public int MaxGroupSize { get; init; } = WireLimits.DefaultMaxSecAggGroupSize;

    /// <summary>Largest model dimension d the device encodes.</summary>
    public int MaxDimension { get; init; } = 1 << 22;

    /// <summary>
    /// How long after its join the device waits for a roster before it gives up (its keys are then erased). Longer than
    /// the aggregator's default formation timeout (30 min), so normally the aggregator's "abandoned" arrives first.
    /// </summary>
    public TimeSpan RosterTimeout { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (!(MinimumNoiseMultiplier >= 0.0) || double.IsInfinity(MinimumNoiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumNoiseMultiplier), MinimumNoiseMultiplier, "Must be finite and non-negative.");
        }

        if (!(SamplingRate is > 0.0 and <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(SamplingRate), SamplingRate, "Must be in (0, 1].");
        }

        if (SubsetId.Length is not (0 or WireLimits.HashBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(SubsetId), SubsetId.Length, $"A subset id is empty or {WireLimits.HashBytes} bytes.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxGroupSize, 2, nameof(MaxGroupSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDimension, 1, nameof(MaxDimension));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RosterTimeout, TimeSpan.Zero, nameof(RosterTimeout));
    }
}
