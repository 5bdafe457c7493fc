using FedEdge.Sensors.Features;
using FedEdge.Core.Data;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Device.Sampling;

/// <summary>
/// A device without sensors (<c>SimulatedSensors</c>): a seeded home from <see cref="SmartHomeActivityGenerator"/>, in
/// physical units like the store's features and standardised the same way, so it trains on the fleet's one scale.
/// </summary>
public sealed class SimulatedSamples(int seed) : ILocalSamples
{
    /// <inheritdoc/>
    public int Count => int.MaxValue;

    /// <inheritdoc/>
    public Dataset ReadNewest(int max) => SmartHomeSchema.Standardize(new SmartHomeActivityGenerator(seed).GenerateHome(0, max));
}
