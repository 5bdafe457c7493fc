using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Arm64;

/// <summary>
/// The linux-arm64 self-contained publish of the agent runs on an emulated Cortex-A72 (the Pi 4's core): the .NET
/// runtime starts, the linux-arm64 native ONNX Runtime loads and trains one DP-SGD step, and the service host
/// binds and validates its options — all from the trimmed publish that ships.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(Arm64PublishDefinition.Name)]
public sealed class Arm64SelfTestTests(Arm64AgentFixture agent)
{
    /// <summary>Issue 9's target for the device publish; the untrimmed folder is 120 MB (deploy/package/README.md).</summary>
    private const long MaxPublishBytes = 60L * 1024 * 1024;

    [Fact]
    public void Publish_for_linux_arm64_succeeds_and_yields_an_apphost()
    {
        Assert.True(agent.Publish.ExitCode == 0, agent.Publish.ToString());
        Assert.True(File.Exists(Path.Combine(agent.PublishDirectory, "fededge-agent")));
        Assert.True(File.Exists(Path.Combine(agent.PublishDirectory, "libonnxruntime.so")), "the linux-arm64 native ONNX Runtime is not in the publish");
    }

    [Fact]
    public void Publish_is_trimmed_to_at_most_60_MB()
    {
        Assert.True(agent.Publish.ExitCode == 0, agent.Publish.ToString());
        long bytes = new DirectoryInfo(agent.PublishDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Assert.True(bytes <= MaxPublishBytes, $"the linux-arm64 publish holds {bytes / (1024.0 * 1024.0):F1} MiB, more than {MaxPublishBytes / (1024 * 1024)} MiB: is it trimmed?");
    }

    [Fact]
    public void SelfTest_passes_under_qemu()
    {
        var run = Ran(agent.SelfTest);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("self-test passed", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void SelfTest_reports_an_Arm64_process()
    {
        var run = Ran(agent.SelfTest);
        Assert.Contains("(Arm64), .NET 10", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void SelfTest_trains_one_DP_SGD_step_on_the_arm64_ONNX_Runtime()
    {
        var run = Ran(agent.SelfTest);
        Assert.Contains("  ok    training artifacts generate:", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  ok    one DP-SGD step runs on ONNX Runtime:", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  ok    privacy ledger opens and records:", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_start_with_an_empty_device_id_exits_2_naming_the_key()
    {
        var run = Ran(agent.InvalidStart);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("fededge-agent: invalid configuration:", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("DeviceId", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_start_binds_a_TimeSpan_key_and_names_it_when_out_of_range()
    {
        var run = Ran(agent.InvalidStart);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("Agent:CheckInterval: The field Agent:CheckInterval must be between 00:00:00.010 and 01:00:00", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_start_in_the_trimmed_publish_names_an_unknown_nested_key()
    {
        // the unknown-key walk reflects over the options types: this shows it still sees them after trimming
        var run = Ran(agent.InvalidStart);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("Agent:Power:Sourc: unknown key (the settings of Agent:Power are GpioActiveHigh, GpioPin, Ina219, Ina219Address, Source, SysfsRoot)", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A run under qemu, or a failure that shows why the publish before it failed.</summary>
    private ToolRun Ran(ToolRun? run)
    {
        Assert.True(agent.Publish.ExitCode == 0, "publish-arm64.sh failed: " + agent.Publish);
        return run ?? throw new InvalidOperationException("the fixture did not run the agent");
    }
}
