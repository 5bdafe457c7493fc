namespace FedEdge.Device.Eligibility;

/// <summary>A device the operator declared mains-powered (e.g. a Pi on a wall adapter with no battery).</summary>
public sealed class ConfiguredMainsPower : IPowerSource
{
    /// <inheritdoc/>
    public string Name => "mains";

    /// <inheritdoc/>
    public PowerState Read() => PowerState.Mains;
}
