using FedEdge.Sensors.Features;
using FedEdge.Core.Data;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;

namespace FedEdge.Device.Sampling;

/// <summary>A real device's samples: the shared <see cref="SampleStore"/> the sampler fills (borrowed, not owned).</summary>
public sealed class StoredSamples(SampleStore store) : ILocalSamples
{
    /// <inheritdoc/>
    public int Count => (int)Math.Min(store.Count, int.MaxValue);

    /// <inheritdoc/>
    public Dataset ReadNewest(int max) => SmartHomeSchema.Standardize(store.ReadNewest(max));
}
