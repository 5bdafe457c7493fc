using System.ComponentModel.DataAnnotations;
using FedEdge.Sensors.Hardware;
using Microsoft.Extensions.Options;

namespace FedEdge.Device.Eligibility;

/// <summary>
/// The "Agent:Power" section: the device trains only while charging or on mains, and this says how it knows.
/// The INA219 sits on the I2C bus and the GPIO pin on the GPIO chip of "Agent:Sampling" (one board, one bus).
/// </summary>
public sealed class PowerOptions : IValidatableObject
{
    /// <summary>Sysfs (default), Mains, Ina219 or Gpio.</summary>
    public PowerSourceKind Source { get; set; } = PowerSourceKind.Sysfs;

    /// <summary>The power-supply class directory read with <see cref="PowerSourceKind.Sysfs"/>. Default /sys/class/power_supply.</summary>
    [Required]
    public string SysfsRoot { get; set; } = "/sys/class/power_supply";

    /// <summary>7-bit I2C address of the INA219 with <see cref="PowerSourceKind.Ina219"/>. Default 0x40 (64: A0 = A1 = GND).</summary>
    [Range(0x40, 0x4F)]
    public int Ina219Address { get; set; } = 0x40;

    /// <summary>The INA219's shunt, calibration and current sign (which way is charging).</summary>
    [Required]
    [ValidateObjectMembers]
    public Ina219AdapterOptions Ina219 { get; set; } = new();

    /// <summary>BCM pin of the charger's status output with <see cref="PowerSourceKind.Gpio"/>; -1 (default) = not set.</summary>
    [Range(-1, 1023)]
    public int GpioPin { get; set; } = -1;

    /// <summary>Whether a high level means "charging / power good" (default) or a low one (open-drain outputs such as the MCP73871's PG).</summary>
    public bool GpioActiveHigh { get; set; } = true;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Source))
        {
            yield return new ValidationResult($"Agent:Power:Source must be Sysfs, Mains, Ina219 or Gpio (was {Source}).", [nameof(Source)]);
        }

        if (Source == PowerSourceKind.Gpio && GpioPin < 0)
        {
            yield return new ValidationResult("Agent:Power:GpioPin must be set (the BCM pin of the charger's status output) when Agent:Power:Source is Gpio.", [nameof(GpioPin)]);
        }

        string? problem = null;
        try
        {
            Ina219?.Validate();
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult($"Agent:Power:Ina219: {problem}", [nameof(Ina219)]);
        }
    }
}
