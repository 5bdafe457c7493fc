using System.Diagnostics;
using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Arm64;

/// <summary>
/// Publishes the agent for linux-arm64 once per test run (deploy/package/publish-arm64.sh: self-contained and
/// trimmed, as it ships) and runs it under qemu-aarch64-static (deploy/package/run-arm64.sh): the self-test, and a
/// service start with an invalid configuration, which shows that the trimmed binary still binds and validates options. Nothing is skipped: test.sh installs qemu-user-static and the arm64 multiarch libraries, so a
/// missing one is a failure whose message names it.
/// </summary>
/// <remarks>
/// The publish goes to bin/…/arm64/ with its own --artifacts-path, so it neither rewrites the src/*/bin and obj
/// folders that other test projects run from while this one publishes, nor starts from scratch on a second local
/// run (it is incremental there). On 2 cores the cold publish takes about a minute (trimming adds ≈ 15 s of it).
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Arm64AgentFixture : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The publish-arm64.sh run.</summary>
    public ToolRun Publish { get; private set; } = null!;

    /// <summary><c>fededge-agent --self-test --simulated-sensors</c> under qemu (null when the publish failed).</summary>
    public ToolRun? SelfTest { get; private set; }

    /// <summary>
    /// <c>fededge-agent --Agent:DeviceId= --Agent:CheckInterval=00:00:00.001 --Agent:Power:Sourc=Mains</c> under qemu: the
    /// configuration check stops it before the host starts. The TimeSpan key shows the source-generated binder and validator
    /// survived trimming, the misspelt nested key that the unknown-key walk did.
    /// </summary>
    public ToolRun? InvalidStart { get; private set; }

    public string PublishDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "arm64", "publish");

    public async ValueTask InitializeAsync()
    {
        string build = Path.Combine(AppContext.BaseDirectory, "arm64", "build");
        Publish = await RunAsync(RepositoryRoot.File("deploy", "package", "publish-arm64.sh"), [PublishDirectory, "--artifacts-path", build], PublishTimeout);
        if (Publish.ExitCode != 0)
        {
            return;
        }

        string run = RepositoryRoot.File("deploy", "package", "run-arm64.sh");
        // a device id, as enrolment sets it: without one the configuration check fails the self-test
        SelfTest = await RunAsync(run, [PublishDirectory, "--self-test", "--simulated-sensors", "--Agent:DeviceId=arm64-selftest"], RunTimeout);
        // The command line overrides /etc/fededge/agent.json, should the machine have one.
        InvalidStart = await RunAsync(run, [PublishDirectory, "--Agent:DeviceId=", "--Agent:CheckInterval=00:00:00.001", "--Agent:Power:Sourc=Mains"], RunTimeout);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task<ToolRun> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` hands its MSBuild location to the test host; a nested `dotnet publish` must find its own.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + script);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new ToolRun(-1, await output, await error + $"{Environment.NewLine}{script} did not finish within {timeout}.");
        }

        return new ToolRun(process.ExitCode, await output, await error);
    }
}
