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

    /// <summary>
    /// A full personal copy trained from the seeded initial weights on the home's samples alone,
    /// with no pull to the global model (λ = 0): the baseline every personal model must beat, and
    /// the one that wins when the global model carries no signal (user-level DP on a small fleet).
    /// </summary>
    LocalOnly,

    /// <summary>
    /// Keeps one personal model per candidate — <see cref="Head"/>, <see cref="Ditto"/> for each λ in
    /// <see cref="PersonalizationOptions.CandidateLambdas"/>, <see cref="LocalOnly"/> — trains them in
    /// turn and serves whichever of them or the global model wins on the local validation split
    /// (<see cref="ServingChoice.DecideAmong"/>). The default once personalization is on.
    /// </summary>
    Auto,
}
