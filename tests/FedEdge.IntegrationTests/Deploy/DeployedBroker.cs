using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// mosquitto started from deploy/mosquitto (mosquitto.conf + acl, placeholders filled exactly as the README's sed
/// line does) with certificates from a folder the caller made, e.g. by the deploy/pki scripts. The Broker fixture
/// brings its own C# PKI and is sealed, so this small launcher templates the same files for script-made ones.
/// </summary>
public sealed partial class DeployedBroker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log;
    private readonly string _directory;

    private DeployedBroker(Process process, ConcurrentQueue<string> log, string directory, int port)
    {
        _process = process;
        _log = log;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Log => string.Join(Environment.NewLine, _log);

    public static async Task<DeployedBroker> StartAsync(string certificateDirectory)
    {
        var directory = Path.Combine(Path.GetTempPath(), "fededge-deployed-broker-" + Guid.NewGuid().ToString("N"));
        var persistence = Path.Combine(directory, "data");
        Directory.CreateDirectory(persistence);
        File.Copy(RepositoryRoot.File("deploy", "mosquitto", "acl"), Path.Combine(directory, "acl"));
        var port = FreeLoopbackPort();
        var config = (await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "mosquitto", "mosquitto.conf")).ConfigureAwait(false))
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@BIND_ADDRESS@", "127.0.0.1", StringComparison.Ordinal)
            .Replace("@CERT_DIR@", certificateDirectory, StringComparison.Ordinal)
            .Replace("@CONF_DIR@", directory, StringComparison.Ordinal)
            .Replace("@PERSISTENCE_DIR@", persistence, StringComparison.Ordinal)
            .Replace("@RUN_USER@", Environment.UserName, StringComparison.Ordinal);
        if (Placeholder().IsMatch(config))
        {
            throw new InvalidOperationException("deploy/mosquitto/mosquitto.conf has a placeholder this launcher does not fill.");
        }

        var configPath = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configPath, config).ConfigureAwait(false);

        var log = new ConcurrentQueue<string>();
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", configPath])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var broker = new DeployedBroker(process, log, directory, port);
        try
        {
            await broker.WaitUntilListeningAsync().ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True once mosquitto logged a line containing <paramref name="text"/>.</summary>
    public async Task<bool> LogContainsAsync(string text, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        while (!_log.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (clock.Elapsed > wait)
            {
                return false;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }

    private async Task WaitUntilListeningAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode} at start:{Environment.NewLine}{Log}");
            }

            try
            {
                using var probe = new TcpClient(AddressFamily.InterNetwork);
                await probe.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (clock.Elapsed < StartTimeout)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("^[^#]*@[A-Z_]+@", RegexOptions.Multiline)]
    private static partial Regex Placeholder();
}
