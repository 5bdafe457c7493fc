using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Core.Privacy;

namespace FedEdge.Device.Privacy;

/// <summary>
/// Random check-ins (Balle, Kairouz, McMahan, Thakkar, Thakurta 2020): a device offered a round takes part only when a
/// secret coin with probability q says yes, and the ledger charges every offer — the coin's "no" included — at the RDP of
/// the Poisson-subsampled Gaussian (q, z, one step; Mironov, Talwar, Zhang 2019). One instance per device, owned by its
/// agent; not thread-safe (the agent's one driver loop).
/// </summary>
/// <remarks>
/// <para>
/// <b>An offer</b> is the first time the device is eligible (power, heat, idleness, samples, budget, the pace's invitation)
/// while a global model version it has not been offered before is installed: one offer per model version per device. For
/// FedBuff and FTTE that is one per server step the device sees; for FedAvg one per round whose cohort holds the device
/// (a round produces the next version). A FedAvg round re-opened on the same version is not a new offer, and the device
/// does not answer it again; a device that joined a version never contributes to it twice.
/// </para>
/// <para>
/// <b>Re-offer</b>: a version still current <see cref="ReofferAfter"/> after the device's last offer of it — its coin said
/// no — is a new offer, charged and drawn anew. Without it a buffered strategy stalls: each device is offered a version
/// once, so a version gets about q·n joins from the n devices online, and when that is below the buffer K the version
/// never advances (measured: 50 homes, q = 0.1, K = 10 → 5 updates, then nothing for 12 h). Each re-offer is its own
/// charge; none is charged twice (the ledger keeps each offer's time, so a restart within the interval charges nothing).
/// </para>
/// <para>
/// <b>Order</b>: the offer is appended to the ledger and fsynced (<see cref="MechanismKind.CheckInOffer"/>, carrying the
/// version) before the coin is drawn, so no crash, error or outcome can skip a charge; an offer the ledger already holds
/// is never charged again — not after a restart either. The coin of an offer charged before a restart is not persisted
/// and counts as no: drawing it again would give the device a second chance to join, raising its rate above q.
/// A joined round adds no second charge; <see cref="RecordJoin"/> records it (write-ahead, before the update is released)
/// only for the spend against the aggregator, which sees who sent (<see cref="PrivacyLedger.SpentAgainstAggregator"/>).
/// </para>
/// <para>
/// With q = 1 (<see cref="Enabled"/> false) the agent does not use this class at all: each contribution is charged, as
/// before, as one Gaussian release when it is made.
/// </para>
/// </remarks>
public sealed class RandomCheckIn
{
    private readonly PrivacyLedger _ledger;
    private readonly RandomNumberGenerator _coin;
    private readonly TimeProvider _time;
    private long _drawnVersion = -1;
    private bool _drawnYes;

    /// <summary>Creates the coin of a device.</summary>
    /// <param name="ledger">The device's ledger (borrowed).</param>
    /// <param name="rate">q, the probability of joining an offered round: 0 &lt; q ≤ 1.</param>
    /// <param name="noiseMultiplier">z of the user-level Gaussian release.</param>
    /// <param name="reofferAfter">How long a declined version must stay current before it is offered again (positive).</param>
    /// <param name="coin">A cryptographic generator (borrowed): the coin must be secret and unpredictable to anyone who sees the models.</param>
    /// <param name="time">The clock (virtual in the simulator).</param>
    public RandomCheckIn(PrivacyLedger ledger, double rate, double noiseMultiplier, TimeSpan reofferAfter, RandomNumberGenerator coin, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(coin);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(reofferAfter, TimeSpan.Zero);
        if (!(rate > 0 && rate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The check-in rate q must be in (0, 1].");
        }

        if (!(noiseMultiplier > 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier must be positive and finite.");
        }

        _ledger = ledger;
        _coin = coin;
        _time = time;
        ReofferAfter = reofferAfter;
        Rate = rate;
        OfferMechanism = new SubsampledGaussian(rate, noiseMultiplier, 1);
        Release = new SubsampledGaussian(1.0, noiseMultiplier, 1);
    }

    /// <summary>q.</summary>
    public double Rate { get; }

    /// <summary>How long a declined version must stay current before it is offered again.</summary>
    public TimeSpan ReofferAfter { get; }

    /// <summary>Whether check-ins are in use (q &lt; 1); with q = 1 every contribution is charged when it is made, as without them.</summary>
    public bool Enabled => Rate < 1;

    /// <summary>What one offer is charged: the subsampled Gaussian (q, z, one step).</summary>
    public SubsampledGaussian OfferMechanism { get; }

    /// <summary>What one joined round releases, as the aggregator sees it: the Gaussian (1, z, one step).</summary>
    public SubsampledGaussian Release { get; }

    /// <summary>Whether the ledger holds an offer of <paramref name="modelVersion"/> younger than <see cref="ReofferAfter"/> (the offer stands).</summary>
    public bool WasOffered(ulong modelVersion) =>
        _ledger.LastRecorded(MechanismKind.CheckInOffer, (long)modelVersion) is { } last && _time.GetUtcNow() - last < ReofferAfter;

    /// <summary>Whether this process drew "yes" for the offer of <paramref name="modelVersion"/> (the round is paid for).</summary>
    public bool Joined(ulong modelVersion) => _drawnYes && _drawnVersion == (long)modelVersion;

    /// <summary>Whether the device may go on: the round of <paramref name="modelVersion"/> is joined and paid, or the ledger affords another offer.</summary>
    public bool Affords(ulong modelVersion) => Joined(modelVersion) || _ledger.CanAfford(OfferMechanism);

    /// <summary>
    /// The device is eligible while <paramref name="modelVersion"/> is installed: charges the offer unless it stands (a "yes"
    /// not yet used, or an offer younger than <see cref="ReofferAfter"/>), then draws the coin.
    /// </summary>
    /// <exception cref="IOException">The charge could not be written: no coin is drawn, the device must not take part.</exception>
    public CheckInOutcome Offer(ulong modelVersion)
    {
        if (Joined(modelVersion))
        {
            return CheckInOutcome.Joined;
        }

        if (WasOffered(modelVersion))
        {
            return CheckInOutcome.Declined;
        }

        try
        {
            _ledger.Reserve(MechanismKind.CheckInOffer, OfferMechanism, (long)modelVersion);
        }
        catch (PrivacyBudgetExceededException)
        {
            return CheckInOutcome.BudgetExhausted;
        }

        // charged and fsynced: only now is the coin looked at
        _drawnVersion = (long)modelVersion;
        _drawnYes = Flip(_coin, Rate);
        return _drawnYes ? CheckInOutcome.Joined : CheckInOutcome.Declined;
    }

    /// <summary>Records, before the update of <paramref name="modelVersion"/> is released, that the device joined that round.</summary>
    /// <exception cref="InvalidOperationException">The coin did not say yes for that version in this process.</exception>
    public LedgerEntry RecordJoin(ulong modelVersion)
    {
        if (!Joined(modelVersion))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The device did not join the round of model v{modelVersion}: no update may be released for it."));
        }

        return _ledger.RecordJoin(Release, (long)modelVersion);
    }

    /// <summary>
    /// A Bernoulli(<paramref name="probability"/>) draw: a uniform u = k·2⁻⁵³ from 53 random bits, yes iff u &lt; p — exact for
    /// every p that is a multiple of 2⁻⁵³, and within 2⁻⁵³ of p otherwise.
    /// </summary>
    public static bool Flip(RandomNumberGenerator source, double probability)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> bytes = stackalloc byte[8];
        source.GetBytes(bytes);
        ulong bits = BinaryPrimitives.ReadUInt64LittleEndian(bytes) >> 11;
        return bits * (1.0 / (1UL << 53)) < probability;
    }
}
