namespace FedEdge.Simulation.Reporting;

/// <summary>Everything a simulation leaves in its output directory: summary.json, report.md and the figures.</summary>
public static class SimulationReport
{
    /// <summary>
    /// Writes summary.json, the figures (see <see cref="PlotRenderer.RenderAll"/>) and report.md into
    /// <paramref name="directory"/>, creating it if needed; returns the paths written.
    /// </summary>
    /// <param name="directory">Output directory.</param>
    /// <param name="summary">What to report.</param>
    /// <param name="notes">What is modelled and what is measured, for report.md's notes.</param>
    /// <param name="renderer">Figure size; 1000 × 600 when null.</param>
    public static IReadOnlyList<string> WriteAll(string directory, SimulationSummary summary, IEnumerable<string> notes, PlotRenderer? renderer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(notes);
        Directory.CreateDirectory(directory);

        string json = Path.Combine(directory, SummaryJson.FileName);
        SummaryJson.Write(json, summary);
        IReadOnlyList<string> figures = (renderer ?? new PlotRenderer()).RenderAll(directory, summary);
        string report = Path.Combine(directory, ReportWriter.FileName);
        ReportWriter.Write(report, summary, figures, notes);
        return [json, report, .. figures];
    }
}
