using System.Globalization;

namespace FedEdge.Device.Eligibility;

/// <summary>When a device may train. Defaults suit a Pi that also reads sensors.</summary>
public sealed record EligibilityOptions
{
    /// <summary>Other processes' CPU load (fraction of all cores) below which the device counts as idle. Default 0.25.</summary>
    public double IdleLoadThreshold { get; set; } = 0.25;

    /// <summary>How long the load must stay below the threshold. Default 5 minutes.</summary>
    public TimeSpan IdleFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Stop training at or above this temperature (°C). Default 70 (a Pi 4 throttles at 80).</summary>
    public double MaxTemperatureCelsius { get; set; } = 70;

    /// <summary>After overheating, resume only below Max − this (°C). Default 5.</summary>
    public double TemperatureHysteresisCelsius { get; set; } = 5;

    /// <summary>Charging or mains power must hold this long before a run starts. Default 30 s.</summary>
    public TimeSpan PowerStableFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!(IdleLoadThreshold > 0 && IdleLoadThreshold <= 1))
        {
            errors.Add($"IdleLoadThreshold {IdleLoadThreshold.ToString(CultureInfo.InvariantCulture)} must be in (0, 1]");
        }

        if (IdleFor < TimeSpan.Zero || PowerStableFor < TimeSpan.Zero)
        {
            errors.Add("IdleFor and PowerStableFor must not be negative");
        }

        if (!double.IsFinite(MaxTemperatureCelsius) || MaxTemperatureCelsius is < 20 or > 110)
        {
            errors.Add($"MaxTemperatureCelsius {MaxTemperatureCelsius.ToString(CultureInfo.InvariantCulture)} must be in 20..110");
        }

        if (!(TemperatureHysteresisCelsius >= 0 && TemperatureHysteresisCelsius < 30))
        {
            errors.Add("TemperatureHysteresisCelsius must be in [0, 30)");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid eligibility options: " + string.Join("; ", errors) + ".");
        }
    }
}
