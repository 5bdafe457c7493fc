namespace FedEdge.Sensors.Hardware;

/// <summary>A snapshot of a sensor adapter's health.</summary>
/// <param name="Health">Healthy, degraded or unhealthy.</param>
/// <param name="ConsecutiveFailures">Failed reads since the last success.</param>
/// <param name="TotalFailures">Failed reads since the adapter was created.</param>
/// <param name="TotalReads">Successful reads since the adapter was created.</param>
/// <param name="LastError">The message of the last failure (exception type and message), or null if none yet.</param>
/// <param name="LastErrorAt">When the last failure happened, or null.</param>
/// <param name="LastSuccessAt">When the last successful read happened, or null.</param>
public sealed record SensorHealthStatus(
    SensorHealth Health,
    int ConsecutiveFailures,
    long TotalFailures,
    long TotalReads,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? LastSuccessAt);
