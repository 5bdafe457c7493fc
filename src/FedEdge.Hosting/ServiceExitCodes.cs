namespace FedEdge.Hosting;

/// <summary>
/// What a FedEdge service's exit code tells systemd (deploy/systemd: <c>Restart=on-failure</c>,
/// <c>RestartPreventExitStatus=2</c>). Each service's usage text lists them.
/// </summary>
public static class ServiceExitCodes
{
    /// <summary>Stopped on request (SIGTERM, <c>systemctl stop</c>), or a one-shot command succeeded.</summary>
    public const int Ok = 0;

    /// <summary>
    /// Stopped by a fault: start-up failed, or a loop met an error it cannot survive. systemd restarts the service; the
    /// fault is in the journal (the host's own log line, then one line on standard error naming the loop).
    /// </summary>
    public const int Fault = 1;

    /// <summary>Bad arguments or configuration: restarting cannot help, so systemd does not (RestartPreventExitStatus=2).</summary>
    public const int InvalidConfiguration = 2;
}
