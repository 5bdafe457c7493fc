namespace FedEdge.Hosting;

/// <summary>The time the service's main loop last completed an iteration; what the systemd watchdog vouches for.</summary>
public sealed class LoopHeartbeat(TimeProvider time)
{
    private long _lastTicks = time.GetTimestamp();

    /// <summary>Called by the loop after each iteration.</summary>
    public void Beat() => Interlocked.Exchange(ref _lastTicks, time.GetTimestamp());

    /// <summary>How long ago the loop last beat.</summary>
    public TimeSpan Age => time.GetElapsedTime(Interlocked.Read(ref _lastTicks));
}
