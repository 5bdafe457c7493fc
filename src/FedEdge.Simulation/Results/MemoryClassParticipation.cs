namespace FedEdge.Simulation.Results;

/// <summary>How one board class took part.</summary>
/// <param name="MemoryClass">The class.</param>
/// <param name="Devices">Devices of the class.</param>
/// <param name="AcceptedUpdates">Their updates the aggregator accepted.</param>
/// <param name="DevicesContributing">Devices with at least one accepted update.</param>
public sealed record MemoryClassParticipation(string MemoryClass, int Devices, long AcceptedUpdates, int DevicesContributing);
