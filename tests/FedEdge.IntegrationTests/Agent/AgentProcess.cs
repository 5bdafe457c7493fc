using System.Diagnostics;
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
    private readonly Process _process;
    private readonly List<string> _output = [];

    private AgentProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What it printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>The agent's build output folder (fededge-agent.dll, its appsettings.json).</summary>
    public static string BuildDirectory
    {
        get
        {
            // tests/FedEdge.IntegrationTests/bin/<Configuration>/<tfm>/ → src/FedEdge.Agent/bin/<Configuration>/<tfm>/
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(RepositoryRoot.Path, "src", "FedEdge.Agent", "bin", here.Parent!.Name, here.Name);
        }
    }

    /// <summary>Starts the agent as device <paramref name="device"/> of <see cref="TestClients.Fleet"/>.</summary>
    public static AgentProcess Start(MosquittoBroker broker, string device, string stateDirectory, string modelKeyPath, params string[] settings)
    {
        var certificate = broker.Pki.Client(device);
        var args = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DeviceId"] = device,
            ["Fleet"] = TestClients.Fleet,
            ["StateDirectory"] = stateDirectory,
            ["ModelKeyPath"] = modelKeyPath,
            ["SimulatedSensors"] = "true",
            ["PowerSource"] = "mains",
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
        var start = Command([.. args.Select(a => $"--Agent:{a.Key}={a.Value}"), .. settings]);
        return new AgentProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start fededge-agent"));
    }

    /// <summary>Runs <c>fededge-agent &lt;arguments&gt;</c> to completion (e.g. the status verb).</summary>
    public static async Task<ToolRun> RunAsync(params string[] arguments)
    {
        var start = Command(arguments);
        return await ToolRun.RunAsync(start.FileName, start.ArgumentList, start.WorkingDirectory, new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production" });
    }

    /// <summary>SIGKILL: no graceful stop, no goodbye to the broker.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static ProcessStartInfo Command(IEnumerable<string> arguments)
    {
        string dll = Path.Combine(BuildDirectory, "fededge-agent.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"fededge-agent is not built at {dll}.", dll);
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = BuildDirectory, // its appsettings.json, as the installed service reads its own
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return start;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Count < 2000)
            {
                _output.Add(line);
            }
        }
    }
}
