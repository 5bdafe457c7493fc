namespace FedEdge.Device.Eligibility;

/// <summary>A configured power source whose hardware could not be opened: it reads Unknown, so the device does not train, and says why.</summary>
/// <param name="Name">The configured source ("ina219", "gpio").</param>
/// <param name="Problem">Why it could not be opened (shown in the self-test and logged at start).</param>
public sealed record UnavailablePower(string Name, string Problem) : IPowerSource
{
    /// <inheritdoc/>
    public PowerState Read() => PowerState.Unknown;
}
