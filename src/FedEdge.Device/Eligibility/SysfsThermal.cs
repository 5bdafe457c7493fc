using System.Globalization;

namespace FedEdge.Device.Eligibility;

/// <summary>
/// The hottest thermal zone (<c>/sys/class/thermal/thermal_zone*/temp</c>, millidegrees Celsius).
/// </summary>
public sealed class SysfsThermal
{
    private const int MaxZones = 32;
    private readonly string _root;

    /// <summary>Reads under <paramref name="root"/> (default <c>/sys/class/thermal</c>).</summary>
    public SysfsThermal(string root = "/sys/class/thermal")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = root;
    }

    /// <summary>The maximum temperature over all zones in °C, or null if none can be read.</summary>
    public double? ReadCelsius()
    {
        try
        {
            if (!Directory.Exists(_root))
            {
                return null;
            }

            double? hottest = null;
            foreach (string zone in Directory.GetDirectories(_root, "thermal_zone*").Take(MaxZones))
            {
                string path = Path.Combine(zone, "temp");
                if (File.Exists(path) && new FileInfo(path).Length < 32
                    && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long milli))
                {
                    double celsius = milli / 1000.0;
                    hottest = hottest is double h ? Math.Max(h, celsius) : celsius;
                }
            }

            return hottest;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
