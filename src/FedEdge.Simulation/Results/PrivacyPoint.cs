namespace FedEdge.Simulation.Results;

/// <summary>The fleet's privacy spending at a point of simulated time, from every device's ledger.</summary>
/// <param name="Hours">Simulated time since the start.</param>
/// <param name="MeanEpsilon">Mean over devices of ε as charged (against observers of the models).</param>
/// <param name="MaxEpsilon">Largest ε as charged.</param>
/// <param name="MeanEpsilonAgainstAggregator">Mean over devices of ε against the aggregator (the rounds joined, unamplified).</param>
/// <param name="MaxEpsilonAgainstAggregator">Largest ε against the aggregator.</param>
public sealed record PrivacyPoint(double Hours, double MeanEpsilon, double MaxEpsilon, double MeanEpsilonAgainstAggregator, double MaxEpsilonAgainstAggregator);
