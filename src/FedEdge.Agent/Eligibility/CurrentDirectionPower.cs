namespace FedEdge.Agent.Eligibility;

/// <summary>
/// Charging from the direction of the battery current measured by a shunt monitor such as the
/// INA219: current flowing into the battery above a small threshold means charging.
/// </summary>
public sealed class CurrentDirectionPower : IPowerSource
{
    private readonly Func<double?> _batteryCurrentAmps;
    private readonly double _thresholdAmps;

    /// <summary>
    /// <paramref name="batteryCurrentAmps"/> returns the current into the battery (positive = charging)
    /// or null when the sensor does not answer.
    /// </summary>
    public CurrentDirectionPower(Func<double?> batteryCurrentAmps, double thresholdAmps = 0.02)
    {
        ArgumentNullException.ThrowIfNull(batteryCurrentAmps);
        ArgumentOutOfRangeException.ThrowIfNegative(thresholdAmps);
        _batteryCurrentAmps = batteryCurrentAmps;
        _thresholdAmps = thresholdAmps;
    }

    /// <inheritdoc/>
    public string Name => "ina219";

    /// <inheritdoc/>
    public PowerState Read() => _batteryCurrentAmps() switch
    {
        null => PowerState.Unknown,
        double amps when double.IsNaN(amps) => PowerState.Unknown,
        double amps when amps > _thresholdAmps => PowerState.Charging,
        _ => PowerState.OnBattery,
    };
}
