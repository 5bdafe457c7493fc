using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Systemd;

namespace FedEdge.Hosting;

/// <summary>Registration of the heartbeat-gated systemd watchdog.</summary>
public static class SystemdWatchdogExtensions
{
    /// <summary>
    /// Adds <see cref="LoopHeartbeat"/> (always: the main loop beats it) and, when systemd started the
    /// process (the only case in which AddSystemd registers ISystemdNotifier), <see cref="SystemdWatchdog"/>.
    /// </summary>
    public static IServiceCollection AddSystemdWatchdog(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<LoopHeartbeat>();
        if (SystemdHelpers.IsSystemdService())
        {
            services.AddHostedService<SystemdWatchdog>();
        }

        return services;
    }
}
