namespace FedEdge.Device.Personalization;

/// <summary>What one <see cref="Personalizer.TrainAndChoose"/> run did.</summary>
/// <param name="Training">The training of the kept models (on all the samples under cross-validation, else on the training split).</param>
/// <param name="Choice">The served model and why; null when the run was stopped before a choice could be made (the served model stays).</param>
/// <param name="Scores">The candidates' scores the choice was made on, in candidate order (cross-validated, or on the validation split; NaN on an empty one); empty when there was no choice among them.</param>
/// <param name="CrossValidation">The cross-validation scores when cross-validation decided, else null.</param>
public sealed record PersonalizationRun(PersonalTrainingResult Training, ServingChoice? Choice, IReadOnlyList<CandidateScore> Scores, CrossValidationScores? CrossValidation)
{
    /// <summary>Optimizer steps of the run, the folds' included (the folds' alone: <see cref="CrossValidationScores.Steps"/>).</summary>
    public long Steps => Training.Steps + (CrossValidation?.Steps ?? 0);
}
