namespace FedEdge.Device.Privacy;

/// <summary>Which DP mechanism a ledger entry records.</summary>
public enum MechanismKind : byte
{
    /// <summary>Sample-level DP-SGD: Poisson-subsampled Gaussian over the device's local samples (Abadi et al. 2016).</summary>
    DpSgd = 1,

    /// <summary>
    /// User-level Gaussian on a whole update (DP-FedAvg, McMahan et al. 2018), noise added on the
    /// device: a Gaussian mechanism with sampling rate 1 from the device's own point of view.
    /// </summary>
    UserLevelGaussian = 2,
}
