using FedEdge.Sensors.Features;
using FedEdge.Device.Sampling;
using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>Registers sampling on a real device.</summary>
public static class SamplingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the shared <see cref="SampleStore"/> (the sampler writes, the agent trains on it),
    /// <see cref="LatestFeatures"/>, the shared <see cref="FeedbackLabelInbox"/>, the configured sensors and the <see cref="SamplingService"/>.
    /// The container owns and disposes the store and the sensors.
    /// </summary>
    public static IServiceCollection AddSampling(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return new SampleStore(new SampleStoreOptions
            {
                Path = Path.Combine(agent.StateDirectory, "samples.db"),
                FeatureCount = SmartHomeSchema.FeatureNames.Count,
                ClassCount = SmartHomeSchema.ClassCount,
            });
        });
        services.AddSingleton<LatestFeatures>();

        // user feedback: the agent's MQTT feedback topic and the label file both push into it, the sampler reads it
        services.AddSingleton(_ => new FeedbackLabelInbox());
        services.AddSingleton(sp => new ConfiguredSensors(
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.Sampling,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ConfiguredSensors>>()));
        services.AddSingleton<IEnumerable<ISensorAdapter>>(sp => sp.GetRequiredService<ConfiguredSensors>().Adapters);
        services.AddHostedService<SamplingService>();
        return services;
    }
}
