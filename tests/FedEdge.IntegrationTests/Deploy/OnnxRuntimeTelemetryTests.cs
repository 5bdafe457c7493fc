namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// ONNX Runtime's Linux build starts a telemetry client by default; the agent stops it before the runtime exists
/// (OrtTelemetry). Run with a fresh HOME, the self-test (which trains a DP-SGD step and so creates the runtime's
/// environment) must leave nothing of it behind. Without the fix the runtime writes
/// ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OnnxRuntimeTelemetryTests : IDisposable
{
    private readonly TempDirectory _home = new();

    [Fact]
    public async Task The_agent_leaves_no_onnx_runtime_telemetry_files_in_its_home()
    {
        var run = await ToolRun.RunAsync(
            ServiceBinary.DotnetHost,
            [ServiceBinary.Agent, "--self-test", "--simulated-sensors", "--Agent:DeviceId=telemetry-01"],
            environment: new Dictionary<string, string> { ["HOME"] = _home.Path, ["DOTNET_ENVIRONMENT"] = "Production" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ok    one DP-SGD step runs on ONNX Runtime", run.StandardOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_home.Path, ".cache", "Microsoft")), "ONNX Runtime wrote its telemetry files: " + string.Join(", ", Directory.EnumerateFileSystemEntries(_home.Path, "*", SearchOption.AllDirectories)));
    }

    public void Dispose() => _home.Dispose();
}
