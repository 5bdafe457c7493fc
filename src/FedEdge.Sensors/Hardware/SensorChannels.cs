namespace FedEdge.Sensors.Hardware;

/// <summary>
/// Channel names used by the FedEdge adapters. The unit is the suffix of each name; every value is a
/// double in that unit.
/// </summary>
public static class SensorChannels
{
    /// <summary>Air temperature, °C.</summary>
    public const string TemperatureC = "temperature_c";

    /// <summary>Relative humidity, % (0–100).</summary>
    public const string HumidityPct = "humidity_pct";

    /// <summary>Barometric pressure, Pa.</summary>
    public const string PressurePa = "pressure_pa";

    /// <summary>CO2 volume concentration, ppm.</summary>
    public const string Co2Ppm = "co2_ppm";

    /// <summary>Illuminance, lx.</summary>
    public const string LightLux = "light_lux";

    /// <summary>Sound pressure level, dB (no adapter yet: see docs/sensors.md).</summary>
    public const string SoundDb = "sound_db";

    /// <summary>PIR motion events per minute since the previous read.</summary>
    public const string MotionPerMin = "motion_per_min";

    /// <summary>PIR output after debouncing, 1 = motion, 0 = none.</summary>
    public const string MotionActive = "motion_active";

    /// <summary>Door contact after debouncing, 1 = open, 0 = closed.</summary>
    public const string DoorOpen = "door_open";

    /// <summary>Door openings since the previous read.</summary>
    public const string DoorOpenings = "door_openings";

    /// <summary>Bus (load side) voltage, V.</summary>
    public const string BusVoltageV = "bus_voltage_v";

    /// <summary>Signed current through the shunt, A; the sign convention is set in <see cref="Ina219AdapterOptions"/>.</summary>
    public const string CurrentA = "current_a";

    /// <summary>Whole-home electrical power, W (a mains meter; not the device's own INA219).</summary>
    public const string HomePowerW = "home_power_w";

    /// <summary>Power, W (the INA219 power register is unsigned).</summary>
    public const string PowerW = "power_w";

    /// <summary>Acceleration along x, m/s².</summary>
    public const string AccelerationX = "accel_x_mps2";

    /// <summary>Acceleration along y, m/s².</summary>
    public const string AccelerationY = "accel_y_mps2";

    /// <summary>Acceleration along z, m/s².</summary>
    public const string AccelerationZ = "accel_z_mps2";
}
