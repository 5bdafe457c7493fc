using System.ComponentModel.DataAnnotations;

namespace FedEdge.Aggregation.Validation;

/// <summary>Bounds an update must respect. Defaults suit the digits/smart-home MLPs with user-level DP.</summary>
public sealed class UpdateValidationOptions
{
    /// <summary>
    /// Largest accepted L2 norm of a decoded update. With user-level DP an update is clipped to S and
    /// noised with N(0, z²S²) per coordinate, so its norm is about S·√(1 + z²d); the bound must sit
    /// above that. Default 1000.
    /// </summary>
    [Range(1e-6, 1e12)]
    public double MaxUpdateNorm { get; set; } = 1000;

    /// <summary>Accepted updates per device per hour. Default 60.</summary>
    [Range(1, 1_000_000)]
    public int MaxUpdatesPerDevicePerHour { get; set; } = 60;

    /// <summary>Largest plausible local sample count. Default 10,000,000.</summary>
    [Range(1, long.MaxValue)]
    public long MaxSampleCount { get; set; } = 10_000_000;
}
