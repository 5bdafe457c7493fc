namespace FedEdge.Device.Personalization;

/// <summary>How a device personalises the fleet model (DESIGN.md §3, issue 8/8).</summary>
public enum PersonalizationMode
{
    /// <summary>No personal model: the device serves the global model.</summary>
    None,

    /// <summary>
    /// A personal classifier head over the global body (FedPer, Arivazhagan et al. 2019; FedRep,
    /// Collins et al. 2021): the last dense layer is fine-tuned on local samples, the rest frozen.
    /// </summary>
    Head,

    /// <summary>
    /// A full personal copy trained with the proximal pull (λ/2)·‖v − w_global‖² towards the
    /// global weights (Ditto, Li et al. 2021, eq. 2 and Alg. 1).
    /// </summary>
    Ditto,
}
