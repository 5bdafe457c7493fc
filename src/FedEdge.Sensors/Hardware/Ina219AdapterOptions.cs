using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Hardware;

/// <summary>INA219 wiring and calibration (TI INA219 datasheet §8.5.1).</summary>
public sealed class Ina219AdapterOptions
{
    /// <summary>Shunt resistance in Ω; default 0.1 Ω (the common breakout boards). 0.0001–10.</summary>
    [Range(0.0001, 10.0)]
    public double ShuntOhms { get; set; } = 0.1;

    /// <summary>Largest current expected through the shunt in A; sets the current LSB = max / 2^15. Default 3.2 A. 0.001–100.</summary>
    [Range(0.001, 100.0)]
    public double MaxExpectedCurrentAmperes { get; set; } = 3.2;

    /// <summary>
    /// True (default) when the shunt is wired so that current into the battery reads positive
    /// (VIN+ on the charger side); false for the opposite wiring.
    /// </summary>
    public bool PositiveCurrentIsCharging { get; set; } = true;

    /// <summary>|current| below this (A) counts as <see cref="PowerFlow.Idle"/>; default 0.01 A. 0–10.</summary>
    [Range(0.0, 10.0)]
    public double IdleCurrentAmperes { get; set; } = 0.01;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var results = new List<string>(new Ina219AdapterOptionsValidator().Validate(null, this).Failures ?? []);
        if (results.Count == 0 && CalibrationValue() is < 1 or > 0xFFFE)
        {
            results.Add(
                $"The calibration value 0.04096 / (current LSB × shunt) = {CalibrationValue()} does not fit the 16-bit register; change {nameof(ShuntOhms)} or {nameof(MaxExpectedCurrentAmperes)}.");
        }

        if (results.Count > 0)
        {
            throw new ArgumentException("Invalid INA219 options: " + string.Join("; ", results));
        }
    }

    /// <summary>Current LSB in A per count: max expected current / 2^15 (datasheet eq. 2).</summary>
    internal double CurrentLsb() => MaxExpectedCurrentAmperes / 32768.0;

    /// <summary>Calibration register: trunc(0.04096 / (current LSB × R_shunt)) (datasheet eq. 1).</summary>
    internal long CalibrationValue() => (long)Math.Truncate(0.04096 / (CurrentLsb() * ShuntOhms));
}
