using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>What a strategy may plan with (Flower's configure_fit): the model, the clock, the fleet and a seeded source.</summary>
/// <param name="Layout">The model's layout.</param>
/// <param name="CurrentVersion">The newest global model version.</param>
/// <param name="Now">The time of the call.</param>
/// <param name="Devices">Every device that reported a status: its id, training-memory budget and whether it can train now.</param>
/// <param name="Random">The caller's seeded source for cohort sampling (one per engine, so runs repeat).</param>
/// <param name="Seed">The caller's seed, for draws that must depend only on (seed, version).</param>
public sealed record RoundContext(
    ParameterLayout Layout,
    long CurrentVersion,
    DateTimeOffset Now,
    IReadOnlyList<DeviceSlot> Devices,
    Random Random,
    int Seed);
