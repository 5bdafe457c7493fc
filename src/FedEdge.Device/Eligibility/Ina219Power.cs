using FedEdge.Sensors.Hardware;

namespace FedEdge.Device.Eligibility;

/// <summary>
/// Charging or on battery from the INA219 on the battery lead (<see cref="Ina219Adapter"/>): current into the battery
/// is charging, current out of it is running on battery, and a current below the idle threshold is a full battery
/// on its charger (a running Pi draws well over 100 mA, so it is never idle on battery).
/// </summary>
/// <remarks>Ownership: this source owns the adapter (which owns its I2C device).</remarks>
public sealed class Ina219Power : IPowerSource, IDisposable
{
    private readonly Ina219Adapter _adapter;

    /// <summary>Reads through <paramref name="adapter"/>, which it takes ownership of.</summary>
    public Ina219Power(Ina219Adapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        _adapter = adapter;
    }

    /// <inheritdoc/>
    public string Name => "ina219";

    /// <inheritdoc/>
    public PowerState Read()
    {
        if (!_adapter.TryRead(out _))
        {
            // the adapter logs nothing and counts the failure; Unknown keeps the device from training
            return PowerState.Unknown;
        }

        return _adapter.LastFlow switch
        {
            PowerFlow.Charging or PowerFlow.Idle => PowerState.Charging,
            _ => PowerState.OnBattery,
        };
    }

    /// <inheritdoc/>
    public void Dispose() => _adapter.Dispose();
}
