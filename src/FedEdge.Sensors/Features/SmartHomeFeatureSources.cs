using FedEdge.Sensors.Hardware;

namespace FedEdge.Sensors.Features;

/// <summary>
/// Which window channel feeds each smart-home sensor. Defaults are the FedEdge adapter channel
/// names; power defaults to <see cref="SensorChannels.HomePowerW"/> (a whole-home meter), not the
/// device's own INA219, because the simulator's power is the whole home's draw.
/// </summary>
public sealed class SmartHomeFeatureSources
{
    /// <summary>Temperature channel, °C.</summary>
    public string Temperature { get; set; } = SensorChannels.TemperatureC;

    /// <summary>Relative humidity channel, %.</summary>
    public string Humidity { get; set; } = SensorChannels.HumidityPct;

    /// <summary>CO2 channel, ppm.</summary>
    public string Co2 { get; set; } = SensorChannels.Co2Ppm;

    /// <summary>Light channel, lx.</summary>
    public string Light { get; set; } = SensorChannels.LightLux;

    /// <summary>Sound level channel, dB.</summary>
    public string Sound { get; set; } = SensorChannels.SoundDb;

    /// <summary>Motion channel, events per minute per reading.</summary>
    public string Motion { get; set; } = SensorChannels.MotionPerMin;

    /// <summary>Whole-home power channel, W.</summary>
    public string Power { get; set; } = SensorChannels.HomePowerW;

    /// <summary>Readings a channel needs in the window to count as present (a std from one reading is meaningless). 2–1024; default 3.</summary>
    public int MinimumReadings { get; set; } = 3;

    internal string[] InFeatureOrder() => [Temperature, Humidity, Co2, Light, Sound, Motion, Power];
}
