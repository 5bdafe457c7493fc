namespace FedEdge.Device.Diagnostics;

/// <summary>
/// Decides when the agent emits its diagnostics (publish and persist): at once when something a person waits for
/// changed (<see cref="DeviceDiagnostics.DiffersMateriallyFrom"/>), otherwise at most once per interval and only
/// if anything changed — the reason's figures ("idle for 2 of 5 min") move every tick and would otherwise mean a
/// message and an SD-card write per tick. Not thread-safe: the agent's loop owns it.
/// </summary>
public sealed class DiagnosticsThrottle
{
    private readonly TimeSpan _interval;
    private DeviceDiagnostics? _last;
    private DateTimeOffset _lastAt;

    /// <summary>Creates the throttle; <paramref name="interval"/> is the agent's status interval.</summary>
    public DiagnosticsThrottle(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _interval = interval;
    }

    /// <summary>The diagnostics emitted last, or null before the first.</summary>
    public DeviceDiagnostics? Last => _last;

    /// <summary>Whether <paramref name="current"/>, taken at <paramref name="now"/>, should be emitted now.</summary>
    public bool IsDue(DeviceDiagnostics current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        return _last is null
            || current.DiffersMateriallyFrom(_last)
            || (now - _lastAt >= _interval && current.DiffersFrom(_last));
    }

    /// <summary>Records that <paramref name="emitted"/> went out at <paramref name="now"/>.</summary>
    public void Emitted(DeviceDiagnostics emitted, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(emitted);
        _last = emitted;
        _lastAt = now;
    }
}
