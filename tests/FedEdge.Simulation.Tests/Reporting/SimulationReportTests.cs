using System.Buffers.Binary;
using FedEdge.Simulation.Reporting;

namespace FedEdge.Simulation.Tests.Reporting;

public class SimulationReportTests
{
    private const int Width = 640;
    private const int Height = 400;

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static IReadOnlyList<string> WriteAll(string directory, bool dp) => SimulationReport.WriteAll(
        directory,
        SimulationSummary.Create(RunFixtures.Options(dp), RunFixtures.Runs()),
        ["a note"],
        new PlotRenderer(Width, Height));

    /// <summary>PNG spec §5.2–5.3: the 8-byte signature, then IHDR first, whose data starts with width and height (big-endian).</summary>
    private static void AssertPng(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path} has {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        Assert.Equal(Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
    }

    [Fact]
    public void WriteAll_writes_summary_report_and_six_valid_pngs_with_dp()
    {
        using var dir = new TempDirectory();
        IReadOnlyList<string> files = WriteAll(dir.Path, dp: true);

        Assert.Equal(
            ["accuracy.png", "epsilon-time.png", "epsilon.png", "participation.png", "report.md", "staleness.png", "summary.json", "upload.png"],
            files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0, f));
        Assert.All(files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)), AssertPng);
    }

    [Fact]
    public void WriteAll_skips_the_epsilon_figure_without_dp()
    {
        using var dir = new TempDirectory();
        IReadOnlyList<string> files = WriteAll(dir.Path, dp: false);

        Assert.DoesNotContain(files, f => Path.GetFileName(f) == PlotRenderer.EpsilonFile);
        Assert.False(File.Exists(dir.File(PlotRenderer.EpsilonFile)));
        Assert.Equal(4, files.Count(f => f.EndsWith(".png", StringComparison.Ordinal)));
    }

    [Fact]
    public void WriteAll_writes_a_summary_that_reads_back()
    {
        using var dir = new TempDirectory();
        WriteAll(dir.Path, dp: true);
        SimulationSummary read = SummaryJson.Read(dir.File(SummaryJson.FileName));
        Assert.Equal(SimulationSummary.Create(RunFixtures.Options(), RunFixtures.Runs()).Strategies, read.Strategies);
    }

    [Fact]
    public void WriteAll_draws_figures_for_a_single_strategy_and_seed()
    {
        using var dir = new TempDirectory();
        var options = RunFixtures.Options() with { Strategies = ["fedbuff"], Seeds = [0] };
        IReadOnlyList<string> files = SimulationReport.WriteAll(
            dir.Path,
            SimulationSummary.Create(options, [RunFixtures.Run("fedbuff", 0, 3, 0.81, 500_000, 200_000, 2_000_000, 200)]),
            [],
            new PlotRenderer(Width, Height));
        Assert.All(files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)), AssertPng);
    }
}
