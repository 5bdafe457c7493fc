using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Sampling;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Tests.Sampling;

public sealed class SamplingServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ServiceProvider Provider()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        string keyPath = _dir.File("model-signing.pub.pem");
        File.WriteAllText(keyPath, key.ExportSubjectPublicKeyInfoPem());
        services.AddSingleton<IOptions<AgentOptions>>(Options.Create(new AgentOptions { DeviceId = "dev-1", StateDirectory = _dir.Path, ModelSigningPublicKeyPath = keyPath, Mqtt = new() { Host = "127.0.0.1", UseTls = false } }));
        services.AddFedEdgeAgent();
        services.AddSampling();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task AddSampling_resolves_the_sampler_with_the_configured_sensors_and_the_shared_store()
    {
        await using var provider = Provider();

        var hosted = provider.GetServices<IHostedService>().ToList();

        Assert.Contains(hosted, s => s is SamplingService);
        Assert.Contains(hosted, s => s is AgentService);
        Assert.Empty(provider.GetRequiredService<IEnumerable<ISensorAdapter>>()); // none configured
        Assert.Same(provider.GetRequiredService<SampleStore>(), provider.GetRequiredService<SampleStore>());
        Assert.IsType<StoredSamples>(provider.GetRequiredService<ILocalSamples>()); // the agent trains on the sampler's store
    }
}
