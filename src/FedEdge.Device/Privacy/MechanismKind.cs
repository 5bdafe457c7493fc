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
}
