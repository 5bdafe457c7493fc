using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FedEdge.Hosting;

/// <summary>
/// Runs a service's host and turns how it ended into an exit code systemd can act on (<see cref="ServiceExitCodes"/>).
/// </summary>
/// <remarks>
/// Why not <c>await host.RunAsync(); return 0;</c>: with <see cref="BackgroundServiceExceptionBehavior.StopHost"/> (the
/// default) a <see cref="BackgroundService"/> whose <c>ExecuteAsync</c> throws stops the host, and Microsoft.Extensions.Hosting
/// 10.0.0 then returns from <c>RunAsync</c> normally (measured): the process exited 0 and <c>Restart=on-failure</c> never
/// fired. Here every background loop's <see cref="BackgroundService.ExecuteTask"/> is inspected after the stop: a faulted one
/// means <see cref="ServiceExitCodes.Fault"/>. A loop that ends because the host is stopping ends cancelled or completed, not
/// faulted. A start-up failure (a hosted service's <c>StartAsync</c> or a part DI builds for it throws) is also a fault, one
/// line on standard error instead of an unhandled-exception abort; an options validation failure is rethrown, because it
/// is bad configuration (exit 2, reported by the service's <c>ServiceStartup</c>).
/// </remarks>
public static class ServiceHost
{
    /// <summary>Starts <paramref name="host"/>, waits for it to stop, disposes it and returns the exit code.</summary>
    /// <param name="host">The built host (not started).</param>
    /// <param name="serviceName">The service's name, at the start of every line written to <paramref name="error"/>.</param>
    /// <param name="error">Standard error.</param>
    /// <exception cref="OptionsValidationException">Options validated on start were invalid (bad configuration).</exception>
    public static async Task<int> RunAsync(IHost host, string serviceName, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            try
            {
                await host.StartAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OptionsValidationException)
            {
                await error.WriteLineAsync($"{serviceName}: failed to start: {Describe(ex)}").ConfigureAwait(false);
                return ServiceExitCodes.Fault;
            }

            int exitCode = ServiceExitCodes.Ok;
            try
            {
                // returns once the application is stopping (a signal, StopApplication, or a faulted loop) and StopAsync ran
                await host.WaitForShutdownAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await error.WriteLineAsync($"{serviceName}: failed to stop cleanly: {Describe(ex)}").ConfigureAwait(false);
                exitCode = ServiceExitCodes.Fault;
            }

            foreach (var service in host.Services.GetServices<IHostedService>())
            {
                if (service is BackgroundService { ExecuteTask: { IsFaulted: true } loop })
                {
                    await error.WriteLineAsync($"{serviceName}: stopped by a fault in {service.GetType().Name}: {Describe(loop.Exception!.GetBaseException())}").ConfigureAwait(false);
                    exitCode = ServiceExitCodes.Fault;
                }
            }

            return exitCode;
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }
        }
    }

    private static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";
}
