using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Labels;

/// <summary>How long user feedback counts, and how much is kept.</summary>
public sealed class FeedbackLabelOptions
{
    /// <summary>Default validity: 10 minutes ("I am cooking" labels the next two 5-minute windows).</summary>
    public static readonly TimeSpan DefaultValidFor = TimeSpan.FromMinutes(10);

    /// <summary>A label at time t applies to windows overlapping [t, t + ValidFor]. 1 s to 24 h; default 10 min.</summary>
    public TimeSpan ValidFor { get; set; } = DefaultValidFor;

    /// <summary>Most labels kept; the oldest is dropped when full. 1–100000; default 1024.</summary>
    [Range(1, 100_000)]
    public int Capacity { get; set; } = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var results = new List<string>(new FeedbackLabelOptionsValidator().Validate(null, this).Failures ?? []);
        if (ValidFor < TimeSpan.FromSeconds(1) || ValidFor > TimeSpan.FromHours(24))
        {
            results.Add($"{nameof(ValidFor)} must be between 1 s and 24 h (was {ValidFor}).");
        }

        if (results.Count > 0)
        {
            throw new ArgumentException("Invalid feedback label options: " + string.Join("; ", results));
        }
    }
}
