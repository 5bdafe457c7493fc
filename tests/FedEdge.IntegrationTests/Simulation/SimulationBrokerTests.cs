using FedEdge.Aggregation.Engine;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Fleet;
using FedEdge.Simulation.Running;
using FedEdge.Simulation.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests.Simulation;

/// <summary><c>fededge simulate</c> through a real mosquitto (mutual TLS, the production ACL) and through the embedded broker.</summary>
public sealed class SimulationBrokerTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Ten_devices_learn_the_same_model_through_mosquitto_as_through_the_embedded_broker()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new SimulationOptions
        {
            Devices = 10,
            Strategies = [StrategyKind.Ftte],
            Dataset = new DatasetSource(DatasetKind.Synthetic),
            Partition = PartitionSpec.Natural,
            SamplesPerHome = 40,
            MaxTime = TimeSpan.FromHours(2),
            MainsFraction = 0.5,
            BufferSize = 3,
            Seeds = [5],
        };

        using var credentials = new TempDirectory();
        var profiles = FleetBuilder.Build(options.Devices, options.Boards, options.StragglerFraction, options.MainsFraction, new Random(5));
        foreach (string identity in profiles.Select(p => p.DeviceId).Append("aggregator"))
        {
            var issued = _broker.Pki.Client(identity);
            File.Copy(issued.CertificatePath, Path.Combine(credentials.Path, identity + ".crt"));
            File.Copy(issued.KeyPath, Path.Combine(credentials.Path, identity + ".key"));
        }

        var viaMosquitto = Assert.Single(await SimulationRunner.RunAllAsync(
            options with { Broker = BrokerEndpoint.Parse($"mqtts://127.0.0.1:{_broker.Port}", _broker.Pki.CaCertificatePath, credentials.Path) },
            null, NullLoggerFactory.Instance, ct));
        var embedded = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, ct));

        Assert.True(viaMosquitto.FinalVersion > 3, $"the fleet must have learned (v{viaMosquitto.FinalVersion})");
        Assert.True(viaMosquitto.AcceptedUpdates > 0);
        Assert.Equal(embedded.FinalVersion, viaMosquitto.FinalVersion);
        Assert.Equal(embedded.Timeline, viaMosquitto.Timeline);
        Assert.Equal(embedded.FinalModelSha256, viaMosquitto.FinalModelSha256);
    }
}
