using FedEdge.Protocol.Wire;

namespace FedEdge.Simulation.Devices;

/// <summary>What a device learned and sent in one broker session.</summary>
/// <param name="Model">The newest global model, verified; null if none or it failed verification.</param>
/// <param name="Pace">The aggregator's pace message.</param>
/// <param name="Delivered">Outbox entries the broker acknowledged in this session.</param>
public sealed record CheckIn(GlobalModel? Model, Pace? Pace, int Delivered);
