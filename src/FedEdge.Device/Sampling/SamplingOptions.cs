using System.ComponentModel.DataAnnotations;
using FedEdge.Device.Configuration;
using Microsoft.Extensions.Options;

namespace FedEdge.Device.Sampling;

/// <summary>How the agent turns sensor readings into labelled samples ("Agent:Sampling").</summary>
public sealed class SamplingOptions
{
    /// <summary>
    /// Time between sensor reads. Default 10 s: the simulator's window holds one reading per 10 s
    /// (SmartHomeActivityGenerator.ReadingsPerWindow = 30 in 5 min), so real windows match it.
    /// </summary>
    [TimeSpanRange("00:00:00.100", "01:00:00")]
    public TimeSpan ReadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Length of one (non-overlapping) window, i.e. one sample. Default 5 min, as the simulator.</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan WindowLength { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Consecutive failed reads after which the loop reports a sensor unhealthy. Default 3.</summary>
    [Range(1, 1000)]
    public int UnhealthyAfterFailures { get; set; } = 3;

    /// <summary>A JSON-lines file of user feedback labels (one {"time":…, "label":…} per line); empty = none.</summary>
    public string LabelFeedPath { get; set; } = string.Empty;

    /// <summary>The board's I2C bus number (/dev/i2c-N). Default 1 (the Raspberry Pi header).</summary>
    [Range(0, 255)]
    public int I2cBus { get; set; } = 1;

    /// <summary>The GPIO character device (/dev/gpiochipN) for PIR and door sensors. Default 0 (Pi 4, Zero 2 W, Pi 5 on kernel 6.6.47 or later; older Pi 5 kernels: 4).</summary>
    [Range(0, 63)]
    public int GpioChip { get; set; }

    /// <summary>The sensors to open, as <see cref="SensorSpec"/> entries, e.g. ["bme280@0x76", "scd4x", "pir@17"]. Default none.</summary>
    [Required]
    public IList<string> Sensors { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var results = new List<string>(new SamplingOptionsValidator().Validate(null, this).Failures ?? []);
        if (ReadInterval > WindowLength)
        {
            results.Add($"{nameof(ReadInterval)} ({ReadInterval}) must not exceed {nameof(WindowLength)} ({WindowLength}).");
        }

        foreach (string entry in Sensors ?? [])
        {
            if (!SensorSpec.TryParse(entry, out _, out string? problem))
            {
                results.Add($"{nameof(Sensors)}: {problem}.");
            }
        }

        if (results.Count > 0)
        {
            throw new ArgumentException("Invalid sampling options: " + string.Join("; ", results));
        }
    }
}
