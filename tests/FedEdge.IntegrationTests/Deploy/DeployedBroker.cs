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
/// It can be restarted (SIGTERM, then the same configuration and persistence) and sent SIGHUP.
/// </summary>
public sealed partial class DeployedBroker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly string _directory;
    private readonly string _configPath;
    private Process _process = null!;

    private DeployedBroker(string directory, string configPath, string certificateDirectory, int port)
    {
        _directory = directory;
        _configPath = configPath;
        CertificateDirectory = certificateDirectory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The @CERT_DIR@: ca.crt, broker.crt, broker.key and crl.pem.</summary>
    public string CertificateDirectory { get; }

    public string Log => string.Join(Environment.NewLine, _log);

    public static async Task<DeployedBroker> StartAsync(string certificateDirectory)
    {
        var directory = Path.Combine(Path.GetTempPath(), "fededge-deployed-broker-" + Guid.NewGuid().ToString("N"));
        var persistence = Path.Combine(directory, "data");
        Directory.CreateDirectory(persistence);
        File.Copy(RepositoryRoot.File("deploy", "mosquitto", "acl"), Path.Combine(directory, "acl"));
        var port = LoopbackPorts.Free();
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

        var broker = new DeployedBroker(directory, configPath, certificateDirectory, port);
        try
        {
            await broker.StartProcessAsync().ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A clean restart, as `systemctl restart mosquitto` does it: SIGTERM (mosquitto saves its database), then the same
    /// configuration, port and persistence. The way a new crl.pem takes effect.
    /// </summary>
    public async Task RestartAsync()
    {
        await SignalAsync("TERM").ConfigureAwait(false);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }

        _process.Dispose();
        await StartProcessAsync().ConfigureAwait(false);
    }

    /// <summary>SIGHUP: what `systemctl reload mosquitto` (and Debian's logrotate job) sends.</summary>
    public async Task ReloadAsync()
    {
        int before = _log.Count(line => line.Contains("Reloading config.", StringComparison.Ordinal));
        await SignalAsync("HUP").ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        while (_log.Count(line => line.Contains("Reloading config.", StringComparison.Ordinal)) == before)
        {
            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException("mosquitto did not log a reload:" + Environment.NewLine + Log);
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Whether mosquitto is still running.</summary>
    public bool HasExited => _process.HasExited;

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
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }

    private async Task StartProcessAsync()
    {
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", _configPath])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.Start();
        _process = process;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode} at start:{Environment.NewLine}{Log}");
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

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }


    [GeneratedRegex("^[^#]*@[A-Z_]+@", RegexOptions.Multiline)]
    private static partial Regex Placeholder();
}
