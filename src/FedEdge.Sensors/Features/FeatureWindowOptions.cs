using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Features;

/// <summary>Size of a sliding feature window.</summary>
public sealed class FeatureWindowOptions
{
    /// <summary>Default window: 5 minutes, as the simulator's windows.</summary>
    public static readonly TimeSpan DefaultLength = TimeSpan.FromMinutes(5);

    /// <summary>Default capacity: 64 readings per channel (30 at the 10 s cadence, with room for faster sensors).</summary>
    public const int DefaultCapacityPerChannel = 64;

    /// <summary>Readings older than now − Length leave the window. 1 s to 24 h; default 5 min.</summary>
    public TimeSpan Length { get; set; } = DefaultLength;

    /// <summary>Most readings kept per channel; the oldest is overwritten when full. 1–1024; default 64.</summary>
    [Range(1, Features.SpectralEnergy.MaxSamples)]
    public int CapacityPerChannel { get; set; } = DefaultCapacityPerChannel;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var results = new List<string>(new FeatureWindowOptionsValidator().Validate(null, this).Failures ?? []);
        if (Length < TimeSpan.FromSeconds(1) || Length > TimeSpan.FromHours(24))
        {
            results.Add($"{nameof(Length)} must be between 1 s and 24 h (was {Length}).");
        }

        if (results.Count > 0)
        {
            throw new ArgumentException("Invalid feature window options: " + string.Join("; ", results));
        }
    }
}
