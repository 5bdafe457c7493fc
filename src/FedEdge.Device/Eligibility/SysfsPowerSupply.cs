namespace FedEdge.Device.Eligibility;

/// <summary>
/// The kernel's power-supply class (<c>/sys/class/power_supply/*</c>, Documentation/ABI/testing/sysfs-class-power):
/// a Mains/USB supply with <c>online</c> = 1 means external power; a Battery whose <c>status</c> is
/// Charging or Full is plugged in. A battery that is Discharging wins over nothing else.
/// </summary>
public sealed class SysfsPowerSupply : IPowerSource
{
    private const int MaxSupplies = 32;
    private readonly string _root;

    /// <summary>Reads under <paramref name="root"/> (default <c>/sys/class/power_supply</c>).</summary>
    public SysfsPowerSupply(string root = "/sys/class/power_supply")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = root;
    }

    /// <inheritdoc/>
    public string Name => "sysfs";

    /// <inheritdoc/>
    public PowerState Read()
    {
        string[] supplies;
        try
        {
            supplies = Directory.Exists(_root) ? Directory.GetDirectories(_root) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return PowerState.Unknown;
        }

        bool externalOnline = false;
        bool batteryCharging = false;
        bool batteryDischarging = false;
        foreach (string supply in supplies.Take(MaxSupplies))
        {
            string? type = ReadValue(supply, "type");
            switch (type)
            {
                case "Mains" or "USB" or "USB_C" or "USB_PD":
                    externalOnline |= ReadValue(supply, "online") == "1";
                    break;
                case "Battery":
                    string? status = ReadValue(supply, "status");
                    batteryCharging |= status is "Charging" or "Full";
                    batteryDischarging |= status == "Discharging";
                    break;
            }
        }

        if (batteryCharging)
        {
            return PowerState.Charging;
        }

        if (batteryDischarging)
        {
            return PowerState.OnBattery;
        }

        return externalOnline ? PowerState.Mains : PowerState.Unknown;
    }

    private static string? ReadValue(string directory, string name)
    {
        try
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path) || new FileInfo(path).Length > 256)
            {
                return null;
            }

            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
