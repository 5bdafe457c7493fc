using System.Globalization;
using FedEdge.Simulation.Results;
using ScottPlot;

namespace FedEdge.Simulation.Reporting;

/// <summary>
/// Draws the report's figures as PNGs (ScottPlot 5 on SkiaSharp). Every figure has a title, axis
/// labels with units, and a legend when it shows more than one strategy; a strategy keeps its
/// colour across figures.
/// </summary>
public sealed class PlotRenderer
{
    /// <summary>Test accuracy against simulated time.</summary>
    public const string AccuracyFile = "accuracy.png";

    /// <summary>Cumulative upload against simulated time.</summary>
    public const string UploadFile = "upload.png";

    /// <summary>ε spent per device (only with DP).</summary>
    public const string EpsilonFile = "epsilon.png";

    /// <summary>Mean ε per device against simulated time, for both observers (only with DP and a privacy timeline).</summary>
    public const string EpsilonOverTimeFile = "epsilon-time.png";

    /// <summary>Staleness histogram of accepted updates.</summary>
    public const string StalenessFile = "staleness.png";

    /// <summary>Accepted updates per memory class.</summary>
    public const string ParticipationFile = "participation.png";

    /// <summary>File name of the per-device personalization CDF.</summary>
    public const string PersonalizationFile = "personalization.png";

    private const double BytesPerMegabyte = 1e6;

    /// <summary>Points the mean curve over seeds is sampled at.</summary>
    private const int MeanCurvePoints = 400;

    private static readonly Color[] Palette = new ScottPlot.Palettes.Category10().Colors;

    /// <summary>Renders at <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public PlotRenderer(int width = 1000, int height = 600)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 8000);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 150);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 8000);
        Width = width;
        Height = height;
    }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Writes every figure that applies into <paramref name="directory"/>; returns the paths written.</summary>
    /// <remarks><see cref="EpsilonFile"/> is written only when the devices used DP (<see cref="SummaryOptions.UsesDp"/>).</remarks>
    public IReadOnlyList<string> RenderAll(string directory, SimulationSummary summary)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(summary);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        void Add(string file, Func<string, bool> render)
        {
            string path = Path.Combine(directory, file);
            if (render(path))
            {
                written.Add(path);
            }
        }

        Add(AccuracyFile, p => { RenderAccuracy(summary, p); return true; });
        Add(UploadFile, p => { RenderUpload(summary, p); return true; });
        Add(EpsilonFile, p => RenderEpsilon(summary, p));
        Add(EpsilonOverTimeFile, p => RenderEpsilonOverTime(summary, p));
        Add(StalenessFile, p => { RenderStaleness(summary, p); return true; });
        Add(ParticipationFile, p => { RenderParticipation(summary, p); return true; });
        Add(PersonalizationFile, p => RenderPersonalization(summary, p));
        return written;
    }

    /// <summary>
    /// Test accuracy (%) against simulated hours, one colour per strategy. With several seeds each seed
    /// is a faint staircase and the mean over seeds a bold line; the target is a dashed line.
    /// </summary>
    public void RenderAccuracy(SimulationSummary summary, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        using var plot = NewPlot("Test accuracy vs simulated time", "Simulated time (h)", "Test accuracy (%)");
        DrawCurves(plot, summary, run => Curve(run, run.InitialAccuracy * 100, p => p.Accuracy * 100));
        var target = plot.Add.HorizontalLine(summary.Options.TargetAccuracy * 100, 1.5f, Colors.Black, LinePattern.Dashed);
        target.LegendText = string.Create(CultureInfo.InvariantCulture, $"target {summary.Options.TargetAccuracy * 100:G4} %");
        plot.Axes.Margins(left: 0);
        Save(plot, path, legend: true, Alignment.LowerRight);
    }

    /// <summary>Cumulative update bytes received (MB = 10⁶ bytes) against simulated hours, drawn like <see cref="RenderAccuracy"/>.</summary>
    public void RenderUpload(SimulationSummary summary, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        using var plot = NewPlot("Cumulative upload vs simulated time", "Simulated time (h)", "Cumulative upload (MB)");
        DrawCurves(plot, summary, run => Curve(run, 0, p => p.UploadBytes / BytesPerMegabyte));
        plot.Axes.Margins(left: 0, bottom: 0);
        Save(plot, path, legend: summary.Strategies.Count > 1, Alignment.UpperLeft);
    }

    /// <summary>
    /// Mean ε per device against simulated hours, one colour per strategy and seed: solid against observers of the models
    /// (as charged), dashed against the aggregator (the rounds joined, unamplified). Writes nothing without a privacy timeline.
    /// </summary>
    public bool RenderEpsilonOverTime(SimulationSummary summary, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var runs = summary.Runs.Where(r => r.PrivacyTimeline.Count > 1).ToArray();
        if (!summary.Options.UsesDp || runs.Length == 0)
        {
            return false;
        }

        using var plot = NewPlot("Mean ε per device over time (solid: against the models; dashed: against the aggregator)", "Simulated time (h)", "ε spent (mean over devices)");
        int i = 0;
        foreach (var run in runs)
        {
            var color = Palette[i++ % Palette.Length];
            double[] hours = [.. run.PrivacyTimeline.Select(p => p.Hours)];
            var models = plot.Add.Scatter(hours, [.. run.PrivacyTimeline.Select(p => p.MeanEpsilon)], color);
            models.MarkerSize = 0;
            models.LineWidth = 2;
            models.LegendText = string.Create(CultureInfo.InvariantCulture, $"{run.Strategy} seed {run.Seed}");
            var aggregator = plot.Add.Scatter(hours, [.. run.PrivacyTimeline.Select(p => p.MeanEpsilonAgainstAggregator)], color);
            aggregator.MarkerSize = 0;
            aggregator.LinePattern = LinePattern.Dashed;
        }

        if (summary.Options.Epsilon is double budget)
        {
            var line = plot.Add.HorizontalLine(budget, 1.5f, Colors.Black, LinePattern.Dotted);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"budget ε = {budget:G3}");
        }

        plot.Axes.Margins(left: 0, bottom: 0);
        Save(plot, path, legend: true, Alignment.UpperLeft);
        return true;
    }

    /// <summary>
    /// ε spent per device, devices sorted from most to least spent (rank 1 = most), averaged over seeds
    /// rank by rank; the per-device budget is a dashed line. Writes nothing and returns false without DP.
    /// </summary>
    public bool RenderEpsilon(SimulationSummary summary, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (!summary.Options.UsesDp)
        {
            return false;
        }

        using var plot = NewPlot("Privacy budget spent per device (sorted, mean over seeds by rank)", "Device rank (1 = most spent)", "ε spent");
        int series = 0;
        int mostDevices = 0;
        double highest = summary.Options.Epsilon ?? 0;
        foreach ((StrategySummary strategy, Color color) in Colored(summary))
        {
            double[][] sorted = [.. RunsOf(summary, strategy).Select(r => r.EpsilonPerDevice.OrderDescending().ToArray()).Where(e => e.Length > 0)];
            if (sorted.Length == 0)
            {
                continue;
            }

            int devices = sorted.Min(e => e.Length);
            double[] ranks = [.. Enumerable.Range(1, devices).Select(i => (double)i)];
            double[] mean = [.. Enumerable.Range(0, devices).Select(i => sorted.Average(e => e[i]))];
            var line = plot.Add.Scatter(ranks, mean, color);
            line.LineWidth = 2;
            line.MarkerSize = devices <= 100 ? 5 : 0;
            line.LegendText = strategy.Strategy;
            series++;
            mostDevices = Math.Max(mostDevices, devices);
            highest = Math.Max(highest, mean.Max());
        }

        if (summary.Options.Epsilon is double budget)
        {
            var line = plot.Add.HorizontalLine(budget, 1.5f, Colors.Black, LinePattern.Dashed);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"budget ε = {budget:G3}");
            series++;
        }

        // ε from 0, so that "how much of the budget" reads off the height; ranks as whole numbers.
        plot.Axes.SetLimitsY(0, highest > 0 ? highest * 1.1 : 1);
        if (mostDevices is > 0 and <= 30)
        {
            double[] ticks = [.. Enumerable.Range(1, mostDevices).Select(i => (double)i)];
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, [.. ticks.Select(t => t.ToString(CultureInfo.InvariantCulture))]);
        }

        Save(plot, path, legend: series > 1, Alignment.UpperRight);
        return true;
    }

    /// <summary>
    /// Empirical CDF of per-device accuracy on each device's own held-out samples for the global,
    /// personal, local-only and served models (the first strategy with personalization results,
    /// devices of all its seeds pooled). Returns false (nothing written) without personalization.
    /// </summary>
    public bool RenderPersonalization(SimulationSummary summary, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var runs = summary.Runs.Where(r => r.Personalization is not null).ToArray();
        if (runs.Length == 0)
        {
            return false;
        }

        string strategy = runs[0].Strategy;
        runs = [.. runs.Where(r => r.Strategy == strategy)];
        using var plot = NewPlot(
            $"Per-device accuracy on each home's own held-out data ({strategy}, {runs[0].Personalization!.Mode}; CDF over devices)",
            "Accuracy on the device's held-out samples (%)",
            "Share of devices at or below (%)");
        (string Name, Func<FedEdge.Simulation.Results.PersonalizationResult, IReadOnlyList<double?>> Values)[] models =
        [
            ("global", p => p.Global), ("personal", p => p.Personal), ("local only", p => p.LocalOnly), ("served", p => p.Served),
        ];
        for (int m = 0; m < models.Length; m++)
        {
            double[] values = [.. runs.SelectMany(r => models[m].Values(r.Personalization!)).Where(v => v is not null).Select(v => v!.Value * 100).Order()];
            if (values.Length == 0)
            {
                continue;
            }

            double[] share = [.. Enumerable.Range(1, values.Length).Select(i => 100.0 * i / values.Length)];
            var line = plot.Add.Scatter(values, share, Palette[m % Palette.Length]);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = models[m].Name == "served" ? 1.5f : 2.5f;
            line.LinePattern = models[m].Name == "served" ? LinePattern.Dashed : LinePattern.Solid;
            line.MarkerSize = 0;
            line.LegendText = models[m].Name;
        }

        plot.Axes.SetLimits(0, 101, 0, 101);
        Save(plot, path, legend: true, Alignment.UpperLeft);
        return true;
    }

    /// <summary>Accepted updates by staleness (versions behind), grouped bars per strategy, mean per run over seeds.</summary>
    public void RenderStaleness(SimulationSummary summary, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        using var plot = NewPlot("Staleness of accepted updates", "Staleness (model versions behind)", "Accepted updates per run (mean over seeds)");
        int groups = summary.Runs.Count == 0 ? 1 : Math.Max(1, summary.Runs.Max(r => r.StalenessHistogram.Count));
        double[][] values = [.. summary.Strategies.Select(s =>
            Enumerable.Range(0, groups).Select(g => MeanOver(RunsOf(summary, s), r => g < r.StalenessHistogram.Count ? r.StalenessHistogram[g] : 0)).ToArray())];
        DrawGroupedBars(plot, summary, values);
        string[] labels = [.. Enumerable.Range(0, groups).Select(g => g.ToString(CultureInfo.InvariantCulture))];
        // Every label up to 30 groups; beyond that ScottPlot's automatic ticks, which thin them out.
        if (groups <= 30)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. Enumerable.Range(0, groups).Select(g => (double)g)], labels);
        }

        plot.Axes.Margins(bottom: 0);
        Save(plot, path, legend: summary.Strategies.Count > 1, Alignment.UpperRight);
    }

    /// <summary>Accepted updates per board (memory) class, grouped bars per strategy, mean per run over seeds.</summary>
    public void RenderParticipation(SimulationSummary summary, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        using var plot = NewPlot("Participation by memory class", "Board (memory) class", "Accepted updates per run (mean over seeds)");
        string[] classes = [.. summary.Runs.SelectMany(r => r.Participation).Select(p => p.MemoryClass).Distinct(StringComparer.Ordinal)];
        double[][] values = [.. summary.Strategies.Select(s =>
            classes.Select(c => MeanOver(RunsOf(summary, s), r => r.Participation.Where(p => p.MemoryClass == c).Sum(p => p.AcceptedUpdates))).ToArray())];
        DrawGroupedBars(plot, summary, values);
        if (classes.Length > 0)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. Enumerable.Range(0, classes.Length).Select(g => (double)g)], classes);
        }

        plot.Axes.Margins(bottom: 0);
        Save(plot, path, legend: summary.Strategies.Count > 1, Alignment.UpperRight);
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private void Save(Plot plot, string path, bool legend, Alignment corner)
    {
        if (legend)
        {
            plot.ShowLegend(corner);
        }
        else
        {
            plot.HideLegend();
        }

        plot.SavePng(path, Width, Height);
    }

    private static void DrawCurves(Plot plot, SimulationSummary summary, Func<RunResult, StepCurve> curveOf)
    {
        foreach ((StrategySummary strategy, Color color) in Colored(summary))
        {
            StepCurve[] curves = [.. RunsOf(summary, strategy).Select(curveOf)];
            if (curves.Length == 0)
            {
                continue;
            }

            if (curves.Length == 1)
            {
                (double[] x, double[] y) = curves[0].Staircase();
                var line = plot.Add.ScatterLine(x, y, color);
                line.LineWidth = 2;
                line.LegendText = strategy.Strategy;
                continue;
            }

            foreach (StepCurve curve in curves)
            {
                (double[] x, double[] y) = curve.Staircase();
                var faint = plot.Add.ScatterLine(x, y, color.WithAlpha(0.3));
                faint.LineWidth = 1;
            }

            // The mean over seeds on a common grid up to the shortest run, so every seed contributes at every point.
            double end = curves.Min(c => c.End);
            double[] grid = [.. Enumerable.Range(0, MeanCurvePoints).Select(i => end * i / (MeanCurvePoints - 1))];
            double[] mean = [.. grid.Select(t => curves.Average(c => c.At(t)))];
            var bold = plot.Add.ScatterLine(grid, mean, color);
            bold.LineWidth = 2.5f;
            bold.LegendText = string.Create(CultureInfo.InvariantCulture, $"{strategy.Strategy} (mean of {curves.Length} seeds)");
        }
    }

    private static StepCurve Curve(RunResult run, double initial, Func<TimelinePoint, double> value)
    {
        var x = new double[run.Timeline.Count + 1];
        var y = new double[run.Timeline.Count + 1];
        y[0] = initial;
        for (int i = 0; i < run.Timeline.Count; i++)
        {
            x[i + 1] = run.Timeline[i].Hours;
            y[i + 1] = value(run.Timeline[i]);
        }

        return new StepCurve(x, y, run.SimulatedHours);
    }

    /// <summary>values[strategy][group]: bars of one group side by side, centred on the group's index.</summary>
    private static void DrawGroupedBars(Plot plot, SimulationSummary summary, double[][] values)
    {
        int series = values.Length;
        double width = 0.8 / Math.Max(series, 1);
        foreach (((StrategySummary strategy, Color color), int s) in Colored(summary).Select((c, s) => (c, s)))
        {
            Bar[] bars = [.. values[s].Select((v, g) => new Bar
            {
                Position = g + ((s - ((series - 1) / 2.0)) * width),
                Value = v,
                Size = width,
                FillColor = color,
                LineWidth = 0,
            })];
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = strategy.Strategy;
        }
    }

    private static IEnumerable<(StrategySummary Strategy, Color Color)> Colored(SimulationSummary summary) =>
        summary.Strategies.Select((s, i) => (s, Palette[i % Palette.Length]));

    private static RunResult[] RunsOf(SimulationSummary summary, StrategySummary strategy) =>
        [.. summary.Runs.Where(r => string.Equals(r.Strategy, strategy.Strategy, StringComparison.OrdinalIgnoreCase))];

    private static double MeanOver(RunResult[] runs, Func<RunResult, long> value) =>
        runs.Length == 0 ? 0 : runs.Average(r => (double)value(r));
}
