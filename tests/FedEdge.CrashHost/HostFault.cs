using FedEdge.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FedEdge.CrashHost;

/// <summary>
/// A service host whose one loop throws shortly after start, run the way fededge-agent and fededge-aggregator run theirs
/// (<see cref="ServiceHost.RunAsync"/>): the process's exit code is what systemd's Restart=on-failure sees.
/// </summary>
internal static class HostFault
{
    public static async Task<int> RunAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHostedService<FaultingLoop>();
        return await ServiceHost.RunAsync(builder.Build(), "crash-host", Console.Error).ConfigureAwait(false);
    }

    private sealed class FaultingLoop : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(100, stoppingToken).ConfigureAwait(false);
            throw new InvalidOperationException("injected fault");
        }
    }
}
