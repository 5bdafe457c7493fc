namespace FedEdge.Device.Personalization;

/// <summary>What a personalization run did.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Steps">Optimizer steps taken in this run.</param>
/// <param name="Samples">Training samples used.</param>
/// <param name="MeanLoss">Mean training loss over the run's batches (including the proximal term in Ditto mode); NaN when no step ran.</param>
/// <param name="Message">One line for logs and status.</param>
public sealed record PersonalTrainingResult(PersonalTrainingOutcome Outcome, long Steps, int Samples, double MeanLoss, string Message);
