using FedEdge.Simulation.Reporting;

namespace FedEdge.Simulation.Tests.Reporting;

public class ReportWriterTests
{
    private static readonly string[] AllFigures =
        [PlotRenderer.AccuracyFile, PlotRenderer.UploadFile, PlotRenderer.EpsilonFile, PlotRenderer.StalenessFile, PlotRenderer.ParticipationFile];

    private static string Report(bool dp = true, IEnumerable<string>? figures = null) => ReportWriter.Render(
        SimulationSummary.Create(RunFixtures.Options(dp), RunFixtures.Runs()),
        figures ?? AllFigures,
        ["Device compute time is modelled from board class speed factors.", "Accuracy is measured on the pooled test set."]);

    [Fact]
    public void Render_writes_a_table_row_per_metric_with_mean_sd_and_n()
    {
        string md = Report();
        // Hand-computed in SimulationSummaryTests: fedavg 5 ± 1 h over 3 seeds, ftte 2.5 ± √0.5 ≈ 0.71 h over 2.
        Assert.Contains("| Hours to target (h) | 5.00 ± 1.00 | 3 |", md, StringComparison.Ordinal);
        Assert.Contains("| Hours to target (h) | 2.50 ± 0.71 | 2 |", md, StringComparison.Ordinal);
        Assert.Contains("| Final accuracy (%) | 82.00 ± 2.00 | 3 |", md, StringComparison.Ordinal);
        Assert.Contains("| Upload (MB) | 1.20 ± 0.20 | 3 |", md, StringComparison.Ordinal);
        // ftte upload to target 0.1, 0.2 MB: mean 0.15, sd √0.005 ≈ 0.0707, both to the mean's three significant figures.
        Assert.Contains("| Upload to target (MB) | 0.150 ± 0.071 | 2 |", md, StringComparison.Ordinal);
        Assert.Contains("| Accepted updates | 110.0 ± 10.0 | 3 |", md, StringComparison.Ordinal);
        Assert.Contains("Reached 80 % test accuracy in 2 of 3 seeds.", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_writes_the_ratios_against_fedavg()
    {
        string md = Report();
        Assert.Contains("| ftte | 0.500 (\u221250.0 %) | 0.250 (\u221275.0 %) | 0.250 (\u221275.0 %) | 0.250 (\u221275.0 %) |", md, StringComparison.Ordinal);
        Assert.Contains("- ftte vs fedavg: \u221250.0 % time to target", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_writes_a_row_per_seed()
    {
        string md = Report();
        Assert.Contains("| fedavg | 1 | 5.00 | 82.00 | 83.00 | 1.20 | 0.600 | 4.00 | 110 |", md, StringComparison.Ordinal);
        Assert.Contains("| ftte | 2 | not reached | 78.00 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_links_only_the_figures_that_were_drawn()
    {
        string md = Report(figures: [PlotRenderer.AccuracyFile]);
        Assert.Contains("](accuracy.png)", md, StringComparison.Ordinal);
        Assert.DoesNotContain("](upload.png)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_says_why_there_is_no_epsilon_figure_without_dp()
    {
        string md = Report(dp: false, figures: AllFigures.Where(f => f != PlotRenderer.EpsilonFile));
        Assert.Contains("No DP was used", md, StringComparison.Ordinal);
        Assert.DoesNotContain("](epsilon.png)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_lists_the_notes_it_is_given()
    {
        string md = Report();
        Assert.Contains("## Notes", md, StringComparison.Ordinal);
        Assert.Contains("- Device compute time is modelled from board class speed factors.", md, StringComparison.Ordinal);
    }
}
