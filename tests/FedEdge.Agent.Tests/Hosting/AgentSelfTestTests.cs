using FedEdge.Agent.Hosting;

namespace FedEdge.Agent.Tests.Hosting;

public sealed class AgentSelfTestTests
{
    [Fact]
    public void Run_passes_and_reports_every_check_on_a_working_machine()
    {
        using var output = new StringWriter();

        int exitCode = AgentSelfTest.Run(simulatedSensors: true, output);

        string report = output.ToString();
        Assert.True(exitCode == 0, report);
        Assert.Contains("ok    one DP-SGD step runs on ONNX Runtime", report, StringComparison.Ordinal);
        Assert.Contains("ok    privacy ledger opens and records", report, StringComparison.Ordinal);
        Assert.Contains("self-test passed", report, StringComparison.Ordinal);
    }
}
