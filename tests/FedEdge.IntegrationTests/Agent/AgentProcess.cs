using FedEdge.IntegrationTests.Broker;
using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>
/// The real fededge-agent, started as a child process from its own build output with its configuration on the command
/// line (simulated sensors, mains power), connected to the test broker with a device certificate. Killing it is SIGKILL:
/// no shutdown code runs, so the broker publishes the device's last will.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly ServiceProcess _process;

    private AgentProcess(ServiceProcess process) => _process = process;

    /// <summary>What it printed so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts the agent as device <paramref name="device"/> of <see cref="TestClients.Fleet"/>.</summary>
    public static AgentProcess Start(MosquittoBroker broker, string device, string stateDirectory, string modelKeyPath, params string[] settings)
    {
        var certificate = broker.Pki.Client(device);
        var args = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DeviceId"] = device,
            ["Fleet"] = TestClients.Fleet,
            ["StateDirectory"] = stateDirectory,
            ["ModelSigningPublicKeyPath"] = modelKeyPath,
            ["SimulatedSensors"] = "true",
            ["Power:Source"] = "Mains",
            ["CheckInterval"] = "00:00:00.200",
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:ClientId"] = device,
            ["Mqtt:UseTls"] = "true",
            ["Mqtt:CaCertificatePath"] = broker.Pki.CaCertificatePath,
            ["Mqtt:ClientCertificatePath"] = certificate.CertificatePath,
            ["Mqtt:ClientKeyPath"] = certificate.KeyPath,
            ["Mqtt:ReconnectBaseDelay"] = "00:00:00.050",
            ["Mqtt:ReconnectMaxDelay"] = "00:00:00.500",
            ["Mqtt:CircuitBreakerBreakDuration"] = "00:00:00.500",
        };
        return new AgentProcess(ServiceProcess.Start(device, ServiceBinary.Agent, [.. args.Select(a => $"--Agent:{a.Key}={a.Value}"), .. settings]));
    }

    /// <summary>Runs <c>fededge-agent &lt;arguments&gt;</c> to completion (e.g. the status verb).</summary>
    public static Task<ToolRun> RunAsync(params string[] arguments) => ServiceBinary.RunAsync(ServiceBinary.Agent, arguments);

    /// <summary>SIGKILL: no graceful stop, no goodbye to the broker.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
