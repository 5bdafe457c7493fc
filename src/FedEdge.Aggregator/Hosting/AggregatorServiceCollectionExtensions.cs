using FedEdge.Aggregation.Metrics;
using FedEdge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FedEdge.Aggregator.Hosting;

/// <summary>Registers the aggregator's parts: its options (validated at start), clock, metrics, watchdog and hosted service.</summary>
public static class AggregatorServiceCollectionExtensions
{
    /// <summary>Adds the aggregator bound from <paramref name="section"/> (unknown keys were refused before, by <c>ServiceStartup</c>).</summary>
    public static IServiceCollection AddFedEdgeAggregator(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<AggregatorServiceOptions>, AggregatorServiceOptionsValidator>();
        services.AddOptions<AggregatorServiceOptions>()
            .Bind(section)
            .ValidateOnStart();
        services.AddSingleton<AggregatorMetrics>();
        services.AddSystemdWatchdog();
        services.AddHostedService<AggregatorService>();
        return services;
    }
}
