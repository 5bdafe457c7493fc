namespace FedEdge.Device.Contribution;

/// <summary>Which differential-privacy mechanism protects a contribution.</summary>
public enum ContributionPrivacy
{
    /// <summary>
    /// User-level DP (DP-FedAvg, McMahan et al. 2018, Alg. 1): the whole update is clipped to S and
    /// N(0, z²S²) is added on the device. One release per contribution (q = 1, one step).
    /// </summary>
    UserLevel = 0,

    /// <summary>
    /// Sample-level DP (DP-SGD, Abadi et al. 2016, Alg. 1): Poisson-sampled local batches at
    /// q = batch/n, per-example clipping to C, N(0, σ²C²) per step; the ledger charges the
    /// subsampled Gaussian over all local steps of the contribution.
    /// </summary>
    SampleLevel = 1,

    /// <summary>No DP: no clipping, no noise, nothing charged. For evaluations and fleets that opt out.</summary>
    None = 2,

    /// <summary>
    /// Distributed DP under secure aggregation (docs/privacy.md): the raw update goes to the device's
    /// <c>SecAggParticipant</c>, which clips it to S, rotates, rounds and adds only its share of the discrete Gaussian
    /// noise before masking; the aggregator sees the group's sum only. Charged as user-level: the subsampled Gaussian
    /// (q, z) per offered round with random check-ins, or one unamplified release (q = 1, z) per contribution without.
    /// </summary>
    Distributed = 3,
}
