using Prometheus;

namespace FedEdge.Aggregation.Metrics;

/// <summary>
/// The aggregator's Prometheus metrics, in their own registry (no process-wide static state):
/// updates received / accepted / duplicate / rejected by reason, staleness histogram, buffer fill,
/// model version, aggregation latency, devices seen per memory class.
/// </summary>
public sealed class AggregatorMetrics
{
    public AggregatorMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Received = factory.CreateCounter("fededge_updates_received_total", "Updates received from the broker.");
        Accepted = factory.CreateCounter("fededge_updates_accepted_total", "Updates validated, persisted and buffered.");
        Duplicates = factory.CreateCounter("fededge_updates_duplicate_total", "Redelivered or retried updates whose id was already accepted.");
        Rejected = factory.CreateCounter("fededge_updates_rejected_total", "Updates refused, by reason.", new CounterConfiguration { LabelNames = ["reason"] });
        Staleness = factory.CreateHistogram("fededge_update_staleness_versions", "Staleness (current version − base version) of accepted updates.",
            new HistogramConfiguration { Buckets = [0, 1, 2, 3, 5, 8, 13, 21, 34] });
        BufferFill = factory.CreateGauge("fededge_buffer_updates", "Updates waiting in the aggregation buffer.");
        ModelVersion = factory.CreateGauge("fededge_model_version", "Version of the newest global model.");
        AggregationSeconds = factory.CreateHistogram("fededge_aggregation_seconds", "Time to aggregate, sign and persist one step.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
        StatusesDropped = factory.CreateCounter("fededge_statuses_dropped_total", "Device statuses dropped by the per-device status rate limit.");
        DevicesPerMemoryClass = factory.CreateGauge("fededge_devices_seen", "Devices that reported a status, by memory class.", new GaugeConfiguration { LabelNames = ["memory_class"] });
    }

    /// <summary>The registry to serve (e.g. with a MetricServer) or scrape in tests.</summary>
    public CollectorRegistry Registry { get; }

    public Counter Received { get; }

    public Counter Accepted { get; }

    public Counter Duplicates { get; }

    public Counter Rejected { get; }

    public Histogram Staleness { get; }

    public Gauge BufferFill { get; }

    public Gauge ModelVersion { get; }

    public Histogram AggregationSeconds { get; }

    public Gauge DevicesPerMemoryClass { get; }

    public Counter StatusesDropped { get; }

    /// <summary>The text exposition of every metric, as a scrape would see it.</summary>
    public async Task<string> ExportAsync(CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
