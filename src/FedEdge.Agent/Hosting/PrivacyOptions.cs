using System.ComponentModel.DataAnnotations;

namespace FedEdge.Agent.Hosting;

/// <summary>The device's lifetime privacy budget and its user-level DP parameters.</summary>
public sealed class PrivacyOptions
{
    /// <summary>Lifetime ε. Default 8.</summary>
    [Range(1e-6, 1e6)]
    public double Epsilon { get; set; } = 8;

    /// <summary>δ of the budget. Default 1e-5.</summary>
    [Range(1e-12, 0.1)]
    public double Delta { get; set; } = 1e-5;

    /// <summary>User-level clipping norm S (DP-FedAvg, McMahan et al. 2018). Default 1.</summary>
    [Range(1e-6, 1e6)]
    public double ClipNorm { get; set; } = 1.0;

    /// <summary>User-level noise multiplier z; noise stddev z·S. Default 1.</summary>
    [Range(1e-3, 1e4)]
    public double NoiseMultiplier { get; set; } = 1.0;
}
