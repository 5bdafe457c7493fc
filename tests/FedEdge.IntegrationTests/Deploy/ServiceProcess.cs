using System.Diagnostics;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>A built service (see <see cref="ServiceBinary"/>) running as a child process, its output kept for assertions.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int MaxLines = 5000;
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>A name for messages.</summary>
    public string Name { get; }

    /// <summary>Whether it has stopped.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once it has stopped.</summary>
    public int ExitCode => _process.ExitCode;

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

    /// <summary>Starts <paramref name="dll"/> with <paramref name="arguments"/> through the test's dotnet host.</summary>
    public static ServiceProcess Start(string name, string dll, params string[] arguments)
    {
        var start = new ProcessStartInfo(ServiceBinary.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new ServiceProcess(name, Process.Start(start) ?? throw new InvalidOperationException("cannot start " + dll));
    }

    /// <summary>
    /// True once the output holds a line containing <paramref name="text"/>; false after <paramref name="wait"/>, or as
    /// soon as the process has exited without printing it (its output read to the end).
    /// </summary>
    public async Task<bool> OutputContainsAsync(string text, TimeSpan wait, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < wait)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(cancellationToken); // also waits for the redirected output's end
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        return Output.Contains(text, StringComparison.Ordinal);
    }

    /// <summary>SIGKILL: no shutdown code runs (the broker publishes the last will).</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // bounded: a long run's log stays a test's memory, not the machine's
            if (_output.Count < MaxLines)
            {
                _output.Add(line);
            }
        }
    }
}
