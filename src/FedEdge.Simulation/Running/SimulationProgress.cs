namespace FedEdge.Simulation.Running;

/// <summary>A progress report from a running simulation.</summary>
/// <param name="Strategy">The strategy being simulated.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Hours">Simulated hours so far.</param>
/// <param name="MaxHours">The horizon.</param>
/// <param name="Version">Global model version.</param>
/// <param name="Accuracy">Its accuracy on the pooled test set.</param>
/// <param name="UploadBytes">Update bytes received.</param>
/// <param name="MaxEpsilon">Largest ε any device has spent.</param>
public sealed record SimulationProgress(string Strategy, int Seed, double Hours, double MaxHours, long Version, double Accuracy, long UploadBytes, double MaxEpsilon);
