using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Hardware;

/// <summary>Settings shared by every sensor adapter.</summary>
public sealed class SensorAdapterOptions
{
    /// <summary>Default of <see cref="UnhealthyAfterFailures"/>: three missed reads (30 s at the 10 s cadence).</summary>
    public const int DefaultUnhealthyAfterFailures = 3;

    /// <summary>
    /// Consecutive failed reads after which the sensor is reported <see cref="SensorHealth.Unhealthy"/>
    /// (fewer failures report <see cref="SensorHealth.Degraded"/>). 1–1000; default 3.
    /// </summary>
    [Range(1, 1000)]
    public int UnhealthyAfterFailures { get; set; } = DefaultUnhealthyAfterFailures;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        ValidateOptionsResult result = new SensorAdapterOptionsValidator().Validate(null, this);
        if (result.Failed)
        {
            throw new ArgumentException("Invalid sensor adapter options: " + string.Join("; ", result.Failures));
        }
    }
}
