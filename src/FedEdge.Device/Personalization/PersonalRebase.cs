namespace FedEdge.Device.Personalization;

/// <summary>The personal model after a new global model arrived.</summary>
/// <param name="Model">The personal model to keep using (store it).</param>
/// <param name="Reinitialised">True when the old personal state could not be kept and the model was re-initialised from the global model.</param>
/// <param name="Reason">Why it was kept, created or re-initialised (logged).</param>
public sealed record PersonalRebase(PersonalModel Model, bool Reinitialised, string Reason);
