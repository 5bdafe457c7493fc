namespace FedEdge.Device.Personalization;

/// <summary>How one model did on the local validation split.</summary>
/// <param name="Name">The global model's or the candidate's name (<see cref="PersonalCandidate.Name"/>).</param>
/// <param name="Accuracy">Share of validation samples classified right.</param>
/// <param name="Loss">Mean cross-entropy on the validation samples (breaks ties in accuracy).</param>
public readonly record struct CandidateScore(string Name, double Accuracy, double Loss);
