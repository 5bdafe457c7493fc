namespace FedEdge.Simulation.Results;

/// <summary>
/// Per-device accuracy on each device's own held-out samples (fleet order; null for a device with
/// no held-out samples) for the final global model, the device's personal model, a model trained on
/// the device's data alone, and whichever of global/personal the device would serve.
/// </summary>
/// <param name="Mode">head or ditto.</param>
/// <param name="Global">The final global model.</param>
/// <param name="Personal">The personal model (from the final global model, fine-tuned on the device's training split).</param>
/// <param name="LocalOnly">A model trained from scratch on the device's training samples only.</param>
/// <param name="Served">The model the agent's serving rule picks on its local validation split.</param>
/// <param name="PersonalServed">Whether the personal model was served, per device.</param>
public sealed record PersonalizationResult(
    string Mode,
    IReadOnlyList<double?> Global,
    IReadOnlyList<double?> Personal,
    [property: System.Text.Json.Serialization.JsonPropertyName("local_only")] IReadOnlyList<double?> LocalOnly,
    IReadOnlyList<double?> Served,
    IReadOnlyList<bool> PersonalServed);
