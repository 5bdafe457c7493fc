using System.ComponentModel.DataAnnotations;

namespace FedEdge.Aggregation.Validation;

/// <summary>Bounds an update must respect. Defaults suit the digits/smart-home MLPs with user-level DP.</summary>
public sealed class UpdateValidationOptions
{
    /// <summary>The refusal limit is this multiple of the derived norm bound when <see cref="MaxUpdateNorm"/> is unset.</summary>
    public const double DerivedRejectionFactor = 2.0;

    /// <summary>The refusal limit when <see cref="MaxUpdateNorm"/> is unset and the fleet's DP mode gives no bound.</summary>
    public const double FallbackMaxUpdateNorm = 1000;

    /// <summary>
    /// Largest accepted L2 norm of a decoded update. Unset (default): twice the norm bound derived from the fleet's DP
    /// settings (an honest user-level update is clipped to S and noised with N(0, z²S²) per coordinate, so its norm is
    /// about S·√(1 + z²d) and stays under the bound but for exp(−t²/2); a lossy codec's quantisation error may add up
    /// to about half again, which the factor 2 admits and the clip removes), or 1000 when the mode gives no bound.
    /// </summary>
    [Range(1e-6, 1e12)]
    public double? MaxUpdateNorm { get; set; }

    /// <summary>Accepted updates per device per hour. Default 60.</summary>
    [Range(1, 1_000_000)]
    public int MaxUpdatesPerDevicePerHour { get; set; } = 60;

    /// <summary>Largest plausible local sample count. Default 10,000,000.</summary>
    [Range(1, long.MaxValue)]
    public long MaxSampleCount { get; set; } = 10_000_000;
}
