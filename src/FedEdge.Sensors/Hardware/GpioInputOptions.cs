using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Hardware;

/// <summary>A binary GPIO input (PIR output, door reed contact).</summary>
public sealed class GpioInputOptions
{
    /// <summary>Default debounce: 50 ms, longer than a reed contact's bounce (a few ms), far shorter than a person.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(50);

    /// <summary>Pin number in the controller's numbering scheme (BCM on a Raspberry Pi). 0–1023.</summary>
    [Range(0, 1023)]
    public int Pin { get; set; }

    /// <summary>A level must hold this long with no further edge to be accepted. 0–10 s; default 50 ms.</summary>
    public TimeSpan Debounce { get; set; } = DefaultDebounce;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var results = new List<string>(new GpioInputOptionsValidator().Validate(null, this).Failures ?? []);
        if (Debounce < TimeSpan.Zero || Debounce > TimeSpan.FromSeconds(10))
        {
            results.Add($"{nameof(Debounce)} must be between 0 and 10 s (was {Debounce}).");
        }

        if (results.Count > 0)
        {
            throw new ArgumentException("Invalid GPIO input options: " + string.Join("; ", results));
        }
    }
}
