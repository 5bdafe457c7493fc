using System.ComponentModel.DataAnnotations;
using FedEdge.Aggregation.Engine;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Options;

namespace FedEdge.Aggregator.Hosting;

/// <summary>
/// Everything the aggregator service needs, bound from the "Aggregator" section of
/// appsettings.json, /etc/fededge/aggregator.json, FEDEDGE_ environment variables and the command line.
/// </summary>
public sealed class AggregatorServiceOptions
{
    /// <summary>What to aggregate and how.</summary>
    [Required]
    [ValidateObjectMembers]
    public AggregationEngineOptions Engine { get; set; } = new();

    /// <summary>The broker connection (TLS client certificate with CN = aggregator).</summary>
    [Required]
    [ValidateObjectMembers]
    public MqttTransportOptions Mqtt { get; set; } = new();

    /// <summary>SQLite state file. Default under systemd's StateDirectory.</summary>
    [Required]
    public string StatePath { get; set; } = "/var/lib/fededge-aggregator/state.db";

    /// <summary>PEM file of the ECDSA P-256 model-signing key.</summary>
    [Required]
    public string SigningKeyPath { get; set; } = "/etc/fededge/model-signing.key";

    /// <summary>Prometheus endpoint port on <see cref="MetricsHost"/>; 0 turns it off. Default 9464.</summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; } = 9464;

    /// <summary>Address the metrics endpoint binds to. Default loopback.</summary>
    [Required]
    public string MetricsHost { get; set; } = "127.0.0.1";

    /// <summary>How often time-driven work (round deadlines, pace) runs. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);
}
