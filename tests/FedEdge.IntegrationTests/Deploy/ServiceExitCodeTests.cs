using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FedEdge.IntegrationTests.Aggregator;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The built services stopped by a fault exit 1 (systemd's Restart=on-failure restarts them), not 0 and not an
/// unhandled-exception abort; 2 stays "bad configuration". Faults injected from outside, no broker needed: the
/// aggregator's metrics port is taken, the agent's pinned model key is not a key. (A fault inside a running loop:
/// tests/FedEdge.Hosting.Tests, ServiceHostTests, in process and as a child process.)
/// </summary>
public sealed class ServiceExitCodeTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task The_aggregator_exits_1_when_it_cannot_start()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string key = Path.Combine(_directory.Path, "model-signing.key");
        AggregatorProcess.WriteSigningKey(key).Dispose();

        var run = await ServiceBinary.RunAsync(
            ServiceBinary.Aggregator,
            "--Aggregator:Engine:Fleet=exit-test",
            "--Aggregator:Mqtt:Host=127.0.0.1",
            "--Aggregator:Mqtt:Port=1",
            "--Aggregator:Mqtt:ClientId=aggregator",
            "--Aggregator:Mqtt:UseTls=false",
            $"--Aggregator:StatePath={Path.Combine(_directory.Path, "state.db")}",
            $"--Aggregator:SigningKeyPath={key}",
            "--Aggregator:MetricsHost=127.0.0.1",
            $"--Aggregator:MetricsPort={port.ToString(CultureInfo.InvariantCulture)}");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("fededge-aggregator: failed to start:", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_exits_1_when_it_cannot_start()
    {
        string key = Path.Combine(_directory.Path, "model-signing.pub.pem");
        File.WriteAllText(key, "not a key\n");

        var run = await ServiceBinary.RunAsync(
            ServiceBinary.Agent,
            "--Agent:DeviceId=exit-test",
            "--Agent:Fleet=exit-test",
            $"--Agent:StateDirectory={Path.Combine(_directory.Path, "state")}",
            $"--Agent:ModelSigningPublicKeyPath={key}",
            "--Agent:SimulatedSensors=true",
            "--Agent:Power:Source=Mains",
            "--Agent:Mqtt:Host=127.0.0.1",
            "--Agent:Mqtt:Port=1",
            "--Agent:Mqtt:ClientId=exit-test",
            "--config",
            _directory.WriteText("agent.json", """{ "Agent": { "Mqtt": { "UseTls": false, "CaCertificatePath": null, "ClientCertificatePath": null, "ClientKeyPath": null } } }"""));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("fededge-agent: failed to start:", run.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
