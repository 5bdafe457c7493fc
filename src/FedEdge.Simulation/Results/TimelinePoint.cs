namespace FedEdge.Simulation.Results;

/// <summary>The global model right after a server step.</summary>
/// <param name="Hours">Simulated time since the start.</param>
/// <param name="Version">Model version.</param>
/// <param name="Accuracy">Accuracy on the pooled test set.</param>
/// <param name="UploadBytes">Update bytes the aggregator had received so far.</param>
/// <param name="Updates">Updates accepted so far.</param>
public sealed record TimelinePoint(double Hours, long Version, double Accuracy, long UploadBytes, long Updates);
