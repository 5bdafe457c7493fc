using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace FedEdge.Device.Configuration;

/// <summary>
/// A <see cref="TimeSpan"/> setting must lie in [minimum, maximum] (inclusive), given in the invariant "c" format
/// ("[d.]hh:mm:ss[.fffffff]"). Replaces <c>[Range(typeof(TimeSpan), min, max)]</c>: that constructor converts its
/// bounds through a <c>TypeConverter</c> found by reflection and is marked RequiresUnreferencedCode, so the trimmed
/// publish of the agent cannot carry it.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class TimeSpanRangeAttribute : ValidationAttribute
{
    /// <summary>Bounds in the invariant "c" format; a malformed bound throws <see cref="FormatException"/> at first use.</summary>
    public TimeSpanRangeAttribute(string minimum, string maximum)
        : base("The field {0} must be between {1} and {2}.")
    {
        Minimum = minimum;
        Maximum = maximum;
    }

    /// <summary>The smallest allowed value, as written.</summary>
    public string Minimum { get; }

    /// <summary>The largest allowed value, as written.</summary>
    public string Maximum { get; }

    /// <inheritdoc/>
    public override bool IsValid(object? value) => value switch
    {
        null => true, // as RangeAttribute: absence is [Required]'s business
        TimeSpan span => span >= Parse(Minimum) && span <= Parse(Maximum),
        _ => false,
    };

    /// <inheritdoc/>
    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.CurrentCulture, ErrorMessageString, name, Minimum, Maximum);

    private static TimeSpan Parse(string bound) => TimeSpan.ParseExact(bound, "c", CultureInfo.InvariantCulture);
}
