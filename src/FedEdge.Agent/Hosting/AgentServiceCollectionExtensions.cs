using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Hosting;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>Registers the device's parts and the hosted services that drive them.</summary>
public static class AgentServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="DeviceAgent"/> core (opened from <see cref="AgentOptions"/>: ledger, outbox, accepted model), the
    /// one MQTT client (last will = availability "offline"), the real sensors' readers, the in-memory installed and served
    /// models, and the hosted <see cref="AgentService"/>, <see cref="OutboxPumpService"/> and <see cref="PredictionService"/>.
    /// Every part is added only if absent, so a test (or the sampling registration) may supply its own first. The options
    /// must already be registered; the container owns and disposes what it builds.
    /// </summary>
    public static IServiceCollection AddFedEdgeAgent(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LoopHeartbeat>();
        services.TryAddSingleton<InstalledModelState>();
        services.TryAddSingleton<ServedModelState>();
        services.TryAddSingleton<ICpuTimesSource, ProcStatCpuTimes>();
        services.TryAddSingleton<SysfsThermal>();

        // one power source for every loop (a GPIO pin or an I2C device is opened once)
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return PowerSources.Create(options.Power, options.Sampling.I2cBus, options.Sampling.GpioChip, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<ILocalSamples>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return options.SimulatedSensors
                ? new SimulatedSamples(DeviceRandomness.Seed(options.DeviceId))
                : new StoredSamples(sp.GetRequiredService<SampleStore>());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            AgentOptions.ApplyDefaults(options);

            // one will per connection, on the plain-text availability topic both Home Assistant and the aggregator read;
            // a graceful stop says "offline" itself (AgentPresence)
            options.Mqtt.LastWillTopic = TopicScheme.Availability(options.Fleet, options.DeviceId);
            options.Mqtt.LastWillPayload = DeviceAvailability.OfflinePayload;
            return new ReconnectingMqttClient(
                options.Mqtt, sp.GetRequiredService<TimeProvider>(), new Random(DeviceRandomness.Seed(options.DeviceId)), sp.GetRequiredService<ILogger<ReconnectingMqttClient>>());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var key = PinnedModelKey.FromPem(File.ReadAllText(options.ModelSigningPublicKeyPath));
            return DeviceAgent.Open(
                options, key, DeviceRandomness.ForDevice(options.DeviceId), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<InstalledModelState>());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return new PredictionPublisher(sp.GetRequiredService<ReconnectingMqttClient>(), new HomeAssistantDiscovery(
                options.Prediction.DiscoveryPrefix, options.Fleet, options.DeviceId, options.MemoryClass, options.Prediction.Interval, options.Prediction.SupportUrl));
        });
        services.TryAddSingleton<AgentSensors>();
        services.TryAddSingleton<AgentPresence>();
        services.AddHostedService<AgentService>();
        services.AddHostedService<OutboxPumpService>();
        services.AddHostedService<PredictionService>();
        return services;
    }
}
