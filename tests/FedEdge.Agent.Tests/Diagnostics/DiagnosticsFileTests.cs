using FedEdge.Device.Diagnostics;

namespace FedEdge.Agent.Tests.Diagnostics;

public sealed class DiagnosticsFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void What_was_written_reads_back_and_no_temp_file_is_left()
    {
        var file = new DiagnosticsFile(_dir.Path);
        file.Write(DeviceDiagnosticsJsonTests.Sample("idle"));
        file.Write(DeviceDiagnosticsJsonTests.Sample());

        var read = file.TryRead(out string? problem);

        Assert.NotNull(read);
        Assert.Null(problem);
        Assert.Equal("charging_wait", read.State);
        Assert.Equal([file.Path], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void A_missing_file_reads_as_nothing_recorded_yet()
    {
        Assert.Null(new DiagnosticsFile(_dir.Path).TryRead(out string? problem));
        Assert.Equal("no diagnostics recorded yet", problem);
    }

    [Fact]
    public void A_damaged_file_reads_as_nothing_with_the_reason()
    {
        var file = new DiagnosticsFile(_dir.Path);
        File.WriteAllText(file.Path, "{\"device\":");

        Assert.Null(file.TryRead(out string? problem));
        Assert.Contains("does not parse", problem, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
