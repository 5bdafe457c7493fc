namespace FedEdge.Agent.Eligibility;

/// <summary>A charger's "power good"/"charging" output wired to a GPIO pin.</summary>
public sealed class PinPower : IPowerSource
{
    private readonly Func<bool?> _pinHigh;
    private readonly bool _activeHigh;

    /// <summary><paramref name="pinHigh"/> returns the pin level, or null when it cannot be read.</summary>
    public PinPower(Func<bool?> pinHigh, bool activeHigh = true)
    {
        ArgumentNullException.ThrowIfNull(pinHigh);
        _pinHigh = pinHigh;
        _activeHigh = activeHigh;
    }

    /// <inheritdoc/>
    public string Name => "gpio";

    /// <inheritdoc/>
    public PowerState Read() => _pinHigh() switch
    {
        null => PowerState.Unknown,
        bool high => high == _activeHigh ? PowerState.Charging : PowerState.OnBattery,
    };
}
