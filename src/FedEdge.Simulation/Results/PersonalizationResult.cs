namespace FedEdge.Simulation.Results;

/// <summary>
/// Per-device accuracy on each device's own held-out samples (fleet order; null for a device with
/// no held-out samples) for the final global model, the device's personal model, a model trained on
/// the device's data alone, and whichever of global/personal the device would serve.
/// </summary>
/// <param name="Mode">auto, head, ditto or local-only.</param>
/// <param name="Global">The final global model.</param>
/// <param name="Personal">The personal model (from the final global model, fine-tuned on the device's training split); in Auto mode the candidate that is best on the validation split.</param>
/// <param name="LocalOnly">A model trained from scratch on the device's training samples only.</param>
/// <param name="Served">The model the agent's serving rule picks on its local validation split (among global and the candidates).</param>
/// <param name="PersonalServed">Whether a personal model was served, per device.</param>
/// <param name="ServedKind">Which model each device serves: global, head, ditto:λ or local-only (null for a device with no held-out samples).</param>
/// <param name="BestCandidate">The best accuracy on the held-out samples among the global model and every personal candidate the device kept (what an oracle would serve).</param>
/// <param name="ChosenOn">What each device's choice rested on: "validation:n" (its validation split of n samples) or "k-fold:n" (k-fold cross-validation over its n training samples, for a small validation split).</param>
/// <param name="Candidates">Held-out accuracy of every personal candidate, by name (Auto mode keeps several; the fixed modes one).</param>
public sealed record PersonalizationResult(
    string Mode,
    IReadOnlyList<double?> Global,
    IReadOnlyList<double?> Personal,
    [property: System.Text.Json.Serialization.JsonPropertyName("local_only")] IReadOnlyList<double?> LocalOnly,
    IReadOnlyList<double?> Served,
    IReadOnlyList<bool> PersonalServed,
    [property: System.Text.Json.Serialization.JsonPropertyName("served_kind")] IReadOnlyList<string?>? ServedKind = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("best_candidate")] IReadOnlyList<double?>? BestCandidate = null,
    IReadOnlyDictionary<string, IReadOnlyList<double?>>? Candidates = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("chosen_on")] IReadOnlyList<string?>? ChosenOn = null);
