using System.ComponentModel.DataAnnotations;
using FedEdge.Device.Configuration;

namespace FedEdge.Device.Prediction;

/// <summary>Local prediction and its Home Assistant announcement ("Agent:Prediction").</summary>
public sealed class PredictionOptions
{
    /// <summary>
    /// Whether the agent predicts and publishes predictions and announces its Home Assistant entities. Default true.
    /// When false, every (re)connect removes the entities (empty retained discovery configs); availability and
    /// diagnostics are still published.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the newest window is classified and published. Default 1 min.</summary>
    [TimeSpanRange("00:00:00.010", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Home Assistant's MQTT discovery prefix. Default "homeassistant" (HA's default).</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>
    /// Where a Home Assistant user finds help for these devices: the discovery configs' <c>origin.support_url</c>
    /// (an absolute http or https URL). Default none (the key is left out).
    /// </summary>
    [RegularExpression(@"^https?://\S+$")]
    public string? SupportUrl { get; set; }
}
