using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace FedEdge.Device.Sampling;

/// <summary>
/// One configured sensor, written as <c>kind</c> or <c>kind@where</c>: for I2C sensors "where" is
/// the 7-bit address (hex with 0x, or decimal; default the breakout's usual address), for GPIO
/// sensors the BCM pin (required). Kinds: bme280, bh1750, scd4x, ina219, mpu6050, pir, door.
/// </summary>
/// <param name="Kind">The sensor kind (lower case).</param>
/// <param name="Location">The I2C address or GPIO pin.</param>
public sealed record SensorSpec(string Kind, int Location)
{
    private static readonly Dictionary<string, int?> DefaultLocations = new(StringComparer.Ordinal)
    {
        // usual breakout addresses: BME280 with SDO low, BH1750 with ADDR low, SCD4x fixed,
        // INA219 with A0 = A1 = GND, MPU-6050 with AD0 low; GPIO sensors have no default pin
        ["bme280"] = 0x76,
        ["bh1750"] = 0x23,
        ["scd4x"] = 0x62,
        ["ina219"] = 0x40,
        ["mpu6050"] = 0x68,
        ["pir"] = null,
        ["door"] = null,
    };

    /// <summary>Whether the sensor sits on the GPIO header rather than the I2C bus.</summary>
    public bool IsGpio => Kind is "pir" or "door";

    /// <summary>Parses one entry; false with a message naming the problem.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SensorSpec? spec, [NotNullWhen(false)] out string? problem)
    {
        spec = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "a sensor entry is empty";
            return false;
        }

        string[] parts = text.Trim().ToLowerInvariant().Split('@');
        if (parts.Length > 2 || !DefaultLocations.TryGetValue(parts[0], out int? fallback))
        {
            problem = $"\"{text}\" is not kind or kind@location with kind one of {string.Join(", ", DefaultLocations.Keys)}";
            return false;
        }

        int location;
        if (parts.Length == 1)
        {
            if (fallback is not int known)
            {
                problem = $"\"{text}\" needs a GPIO pin, e.g. {parts[0]}@17";
                return false;
            }

            location = known;
        }
        else
        {
            bool hex = parts[1].StartsWith("0x", StringComparison.Ordinal);
            bool parsed = hex
                ? int.TryParse(parts[1].AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out location)
                : int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out location);
            bool gpio = parts[0] is "pir" or "door";
            int max = gpio ? 1023 : 0x77;
            int min = gpio ? 0 : 0x08;
            if (!parsed || location < min || location > max)
            {
                problem = gpio
                    ? $"\"{text}\": the GPIO pin must be 0 to 1023"
                    : $"\"{text}\": the I2C address must be 0x08 to 0x77";
                return false;
            }
        }

        spec = new SensorSpec(parts[0], location);
        problem = null;
        return true;
    }
}
