using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Labels;

/// <summary>Settings of <see cref="RecentMotionRule"/>.</summary>
public sealed class RecentMotionRuleOptions
{
    /// <summary>How far back from a window's end motion counts. 1 min to 24 h; default 15 min.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>PIR reads with motion needed in the lookback to say "occupied". 1–10000; default 1.</summary>
    [Range(1, 10_000)]
    public int MinimumActiveReadings { get; set; } = 1;

    /// <summary>Label when occupied. Default "occupied".</summary>
    public string OccupiedLabel { get; set; } = "occupied";

    /// <summary>Label when the PIR worked but saw too little motion; null = give no label then. Default "vacant".</summary>
    public string? VacantLabel { get; set; } = "vacant";

    /// <summary>PIR reads remembered (bounds memory). 1–100000; default 1024 (≈ 2.8 h at 10 s).</summary>
    [Range(1, 100_000)]
    public int Capacity { get; set; } = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var results = new List<string>(new RecentMotionRuleOptionsValidator().Validate(null, this).Failures ?? []);
        if (Lookback < TimeSpan.FromMinutes(1) || Lookback > TimeSpan.FromHours(24))
        {
            results.Add($"{nameof(Lookback)} must be between 1 min and 24 h (was {Lookback}).");
        }

        if (LabelEvent.Problem(OccupiedLabel) is { } occupied)
        {
            results.Add($"{nameof(OccupiedLabel)}: {occupied}.");
        }

        if (VacantLabel is not null && LabelEvent.Problem(VacantLabel) is { } vacant)
        {
            results.Add($"{nameof(VacantLabel)}: {vacant}.");
        }

        if (VacantLabel is not null && string.Equals(VacantLabel, OccupiedLabel, StringComparison.Ordinal))
        {
            results.Add($"{nameof(OccupiedLabel)} and {nameof(VacantLabel)} must differ.");
        }

        if (results.Count > 0)
        {
            throw new ArgumentException("Invalid recent-motion rule options: " + string.Join("; ", results));
        }
    }
}
