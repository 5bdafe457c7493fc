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
    /// <remarks>
    /// When SkiaSharp's native library cannot be loaded on this platform, no figures are written and
    /// report.md says so; summary.json and report.md are written either way.
    /// </remarks>
    public static IReadOnlyList<string> WriteAll(string directory, SimulationSummary summary, IEnumerable<string> notes, PlotRenderer? renderer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(notes);
        Directory.CreateDirectory(directory);

        string json = Path.Combine(directory, SummaryJson.FileName);
        SummaryJson.Write(json, summary);
        var allNotes = new List<string>(notes);
        IReadOnlyList<string> figures;
        try
        {
            figures = (renderer ?? new PlotRenderer()).RenderAll(directory, summary);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            // SkiaSharp's native library is missing for this platform: the numbers are still worth
            // having, so the report says why it has no figures instead of the run losing its results.
            figures = [];
            allNotes.Add($"No figures: the plotting library could not load its native renderer ({e.GetBaseException().Message}).");
        }

        string report = Path.Combine(directory, ReportWriter.FileName);
        ReportWriter.Write(report, summary, figures, allNotes);
        return [json, report, .. figures];
    }
}
