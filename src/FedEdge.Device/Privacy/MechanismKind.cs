namespace FedEdge.Device.Privacy;

/// <summary>Which DP mechanism a ledger entry records (or that it records a reset).</summary>
public enum MechanismKind : byte
{
    /// <summary>Sample-level DP-SGD: Poisson-subsampled Gaussian over the device's local samples (Abadi et al. 2016).</summary>
    DpSgd = 1,

    /// <summary>
    /// User-level Gaussian on a whole update (DP-FedAvg, McMahan et al. 2018), noise added on the
    /// device: a Gaussian mechanism with sampling rate 1 from the device's own point of view.
    /// </summary>
    UserLevelGaussian = 2,

    /// <summary>
    /// Not a mechanism: the first record of a ledger started again by <c>fededge-agent reset-ledger</c>, carrying the ε
    /// spent before it (<see cref="LedgerEntry.CarriedEpsilon"/>) so that spent ε never decreases.
    /// </summary>
    Reset = 3,

    /// <summary>
    /// A round the device was offered under a random check-in (Balle et al. 2020): one user-level Gaussian release at
    /// noise z, Poisson-subsampled by the device's secret coin with probability q (<see cref="LedgerEntry.SamplingRate"/>).
    /// Charged before the coin is read, whatever it says (<see cref="RandomCheckIn"/>); the model version is the offer's.
    /// </summary>
    CheckInOffer = 4,

    /// <summary>
    /// Not a further charge: the device's coin said yes for the offer of the same model version and it released an
    /// update (q = 1, z, one step). It counts only in the spend against the aggregator, which sees who sent
    /// (<see cref="PrivacyLedger.SpentAgainstAggregator"/>); the offer already paid for it against everyone else.
    /// </summary>
    CheckInJoin = 5,
}
