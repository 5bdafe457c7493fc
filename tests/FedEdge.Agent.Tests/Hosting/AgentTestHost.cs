using FedEdge.Agent.Hosting;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Sampling;
using FedEdge.Hosting;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Tests.Shared;

/// <summary>
/// The agent's hosted services as the executable composes them (<see cref="AgentServiceCollectionExtensions.AddFedEdgeAgent"/>),
/// with fakes in place of the real sensors: started and stopped in the host's order. Shared by the unit and the
/// integration tests (linked into both).
/// </summary>
internal sealed class AgentTestHost : IAsyncDisposable, IDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _services;

    private AgentTestHost(ServiceProvider provider)
    {
        _provider = provider;
        _services = [.. provider.GetServices<IHostedService>()];
    }

    /// <summary>The device's core.</summary>
    public DeviceAgent Agent => _provider.GetRequiredService<DeviceAgent>();

    public static AgentTestHost Create(
        AgentOptions options,
        TimeProvider time,
        ILoggerFactory loggers,
        IPowerSource? power = null,
        ICpuTimesSource? cpu = null,
        SampleStore? samples = null,
        LatestFeatures? latest = null,
        LoopHeartbeat? heartbeat = null,
        FeedbackLabelInbox? feedback = null,
        ServedModelState? served = null,
        InstalledModelState? installed = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggers);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(time);
        services.AddSingleton(Options.Create(options));
        if (power is not null)
        {
            services.AddSingleton(power);
        }

        if (cpu is not null)
        {
            services.AddSingleton(cpu);
        }
        if (samples is not null)
        {
            services.AddSingleton(samples);
            services.AddSingleton<ILocalSamples>(new StoredSamples(samples));
        }

        if (latest is not null)
        {
            services.AddSingleton(latest);
        }

        if (feedback is not null)
        {
            services.AddSingleton(feedback);
        }

        services.AddSingleton(heartbeat ?? new LoopHeartbeat(time));
        services.AddSingleton(served ?? new ServedModelState());
        services.AddSingleton(installed ?? new InstalledModelState());
        services.AddFedEdgeAgent();
        return new AgentTestHost(services.BuildServiceProvider());
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _services)
        {
            await service.StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _services.Reverse())
        {
            await service.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
