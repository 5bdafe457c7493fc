namespace FedEdge.Device.Personalization;

/// <summary>
/// The models' scores from k-fold cross-validation over all of a device's labelled samples
/// (<see cref="Personalizer.CrossValidate"/>): every sample scored exactly once, by a model that
/// did not train on it.
/// </summary>
/// <param name="Global">The global model on all the samples (it never trains locally, so no folds are needed).</param>
/// <param name="Personal">Each candidate's pooled held-out accuracy and mean loss, in candidate order.</param>
/// <param name="Samples">Samples scored (n): the evidence the margin rule's standard error is computed from.</param>
/// <param name="Folds">Folds (k).</param>
public sealed record CrossValidationScores(CandidateScore Global, IReadOnlyList<CandidateScore> Personal, int Samples, int Folds)
{
    /// <summary>Optimizer steps the folds' training took (the extra work cross-validation costs).</summary>
    public long Steps { get; init; }
}
