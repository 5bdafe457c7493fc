using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FedEdge.IntegrationTests.Broker;

/// <summary>
/// A real mosquitto on a free 127.0.0.1 port, configured from deploy/mosquitto (placeholders filled in), with a
/// fresh test PKI and its own persistence folder. Can be stopped (SIGTERM: saves its database), killed (SIGKILL)
/// and restarted on the same port with the same persistence; always killed on dispose.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private const string MosquittoPath = "/usr/sbin/mosquitto";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string _configPath;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private MosquittoBroker(string directory, int port, TestPki pki, string configPath)
    {
        Directory = directory;
        Port = port;
        Pki = pki;
        _configPath = configPath;
    }

    public string Directory { get; }

    public int Port { get; }

    public TestPki Pki { get; }

    /// <summary>Everything mosquitto wrote to stderr so far (for assertion messages).</summary>
    public string Log => string.Join(Environment.NewLine, _log);

    /// <summary>True once mosquitto logged a line containing <paramref name="text"/> (its stderr is read asynchronously).</summary>
    public async Task<bool> LogContainsAsync(string text, TimeSpan wait)
    {
        var deadline = Stopwatch.StartNew();
        while (!_log.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (deadline.Elapsed > wait)
            {
                return false;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        return true;
    }

    public static async Task<MosquittoBroker> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "fededge-mosquitto-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var pki = new TestPki(Path.Combine(directory, "certs"));
        var confDir = Path.Combine(directory, "conf");
        var persistence = Path.Combine(directory, "data");
        System.IO.Directory.CreateDirectory(confDir);
        System.IO.Directory.CreateDirectory(persistence);

        var port = LoopbackPorts.Free();
        var source = Path.Combine(AppContext.BaseDirectory, "mosquitto");
        File.Copy(Path.Combine(source, "acl"), Path.Combine(confDir, "acl"));
        var config = (await File.ReadAllTextAsync(Path.Combine(source, "mosquitto.conf")).ConfigureAwait(false))
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@BIND_ADDRESS@", "127.0.0.1", StringComparison.Ordinal)
            .Replace("@CERT_DIR@", pki.Directory, StringComparison.Ordinal)
            .Replace("@CONF_DIR@", confDir, StringComparison.Ordinal)
            .Replace("@PERSISTENCE_DIR@", persistence, StringComparison.Ordinal)
            .Replace("@RUN_USER@", Environment.UserName, StringComparison.Ordinal);
        if (System.Text.RegularExpressions.Regex.IsMatch(config, "^[^#]*@[A-Z_]+@", System.Text.RegularExpressions.RegexOptions.Multiline))
        {
            throw new InvalidOperationException("deploy/mosquitto/mosquitto.conf has a placeholder the fixture does not fill: " + config);
        }

        var configPath = Path.Combine(confDir, "mosquitto.conf");
        await File.WriteAllTextAsync(configPath, config).ConfigureAwait(false);

        var broker = new MosquittoBroker(directory, port, pki, configPath);
        try
        {
            await broker.RestartAsync().ConfigureAwait(false);
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return broker;
    }

    /// <summary>Starts mosquitto (again) and waits until the port accepts connections.</summary>
    public async Task RestartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("mosquitto is still running.");
        }

        _process?.Dispose();
        var start = new ProcessStartInfo(MosquittoPath, ["-c", _configPath])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.Start();
        _process = process;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var deadline = Stopwatch.StartNew();
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
            catch (SocketException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Clean shutdown (SIGTERM): mosquitto saves sessions and queued messages to its database.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Freezes the broker (SIGSTOP): connections stay open, nothing is answered until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused broker run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>Hard kill (SIGKILL): nothing is saved beyond the last autosave.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync().ConfigureAwait(false);
        }
        finally
        {
            _process?.Dispose();
            Pki.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A client may still hold a file open for a moment; the temp folder is cleaned up by the OS later.
            }
        }
    }

    private async Task SignalAsync(string signal)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using var kill = Process.Start("kill", [signal, process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }

}
