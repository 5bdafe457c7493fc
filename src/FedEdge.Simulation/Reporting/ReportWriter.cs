using System.Globalization;
using System.Text;
using FedEdge.Simulation.Results;

namespace FedEdge.Simulation.Reporting;

/// <summary>Writes report.md: setup, per-strategy tables over seeds, ratios against FedAvg, per-seed table, figures, notes.</summary>
public static class ReportWriter
{
    /// <summary>The file name inside a report directory.</summary>
    public const string FileName = "report.md";

    private static readonly (string File, string Caption)[] Figures =
    [
        (PlotRenderer.AccuracyFile, "Test accuracy vs simulated time"),
        (PlotRenderer.UploadFile, "Cumulative upload vs simulated time"),
        (PlotRenderer.EpsilonFile, "Privacy budget spent per device"),
        (PlotRenderer.EpsilonOverTimeFile, "Mean ε per device over time, both observers"),
        (PlotRenderer.StalenessFile, "Staleness of accepted updates"),
        (PlotRenderer.ParticipationFile, "Participation by memory class"),
        (PlotRenderer.PersonalizationFile, "Per-device accuracy of the global, personal, local-only and served models"),
    ];

    /// <summary>Writes the report to <paramref name="path"/> (UTF-8, no BOM).</summary>
    /// <param name="path">Target file.</param>
    /// <param name="summary">What to report.</param>
    /// <param name="figures">File names (relative to the report) of the figures that were drawn; others are not linked.</param>
    /// <param name="notes">What is modelled and what is measured, one note a bullet.</param>
    public static void Write(string path, SimulationSummary summary, IEnumerable<string> figures, IEnumerable<string> notes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, Render(summary, figures, notes), new UTF8Encoding(false));
    }

    /// <summary>The report as Markdown text.</summary>
    /// <inheritdoc cref="Write" path="/param"/>
    public static string Render(SimulationSummary summary, IEnumerable<string> figures, IEnumerable<string> notes)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(notes);
        var drawn = new HashSet<string>(figures.Select(f => Path.GetFileName(f)), StringComparer.Ordinal);
        var md = new StringBuilder();
        md.Append("# FedEdge simulation: ").AppendJoin(" vs ", summary.Strategies.Select(s => s.Strategy)).Append("\n\n");
        md.Append("**Setup:** ").Append(Escape(summary.Options.Describe())).Append(".\n\n");

        md.Append("## Results over seeds\n\n");
        md.Append("Mean ± sample standard deviation over seeds (n = seeds the statistic is over). ")
          .Append("Hours and bytes to target are over the seeds that reached the target.\n\n");
        foreach (StrategySummary s in summary.Strategies)
        {
            AppendStrategy(md, s, summary.Options.TargetAccuracy);
        }

        md.Append("## Against FedAvg\n\n");
        StrategySummary[] compared = [.. summary.Strategies.Where(s => s.VersusFedAvg is not null)];
        if (compared.Length == 0)
        {
            md.Append(summary.Find(SimulationSummary.FedAvg) is null
                ? "FedAvg was not run, so there is no baseline to compare with.\n\n"
                : "No other strategy was run.\n\n");
        }
        else
        {
            md.Append("Ratios of seed means (strategy / FedAvg); below 1 is less than FedAvg.\n\n");
            md.Append("| Strategy | Time to target | Payload to target | Payload over the run | Peak training memory |\n");
            md.Append("|---|---:|---:|---:|---:|\n");
            foreach (StrategySummary s in compared)
            {
                FedAvgComparison c = s.VersusFedAvg!;
                md.Append(Invariant($"| {Escape(s.Strategy)} | {Ratio(c.TimeToTargetRatio)} | {Ratio(c.PayloadToTargetRatio)} | {Ratio(c.PayloadRatio)} | {Ratio(c.MemoryRatio)} |\n"));
            }

            md.Append('\n');
            foreach (StrategySummary s in compared)
            {
                md.Append("- ").Append(Escape(s.VersusFedAvg!.Describe())).Append('\n');
            }

            md.Append('\n');
        }

        AppendSeeds(md, summary.Runs);
        AppendPersonalization(md, summary.Runs);
        AppendSecureAggregation(md, summary.Runs);

        md.Append("## Figures\n\n");
        foreach ((string file, string caption) in Figures)
        {
            if (drawn.Contains(file))
            {
                md.Append(Invariant($"![{caption}]({file})\n\n"));
            }
        }

        var allNotes = new List<string>(notes);
        if (!drawn.Contains(PlotRenderer.EpsilonFile))
        {
            allNotes.Add(summary.Options.UsesDp
                ? "The ε-per-device figure was not drawn."
                : "No DP was used (--dp none), so no ε was spent and there is no ε-per-device figure.");
        }

        allNotes.Add("Accuracy is on the pooled test set; MB are 10⁶ bytes; upload counts the ModelUpdate messages as the aggregator received them.");
        allNotes.Add("Wall time is the real time a run took on this machine; every other time is simulated.");
        md.Append("## Notes\n\n");
        foreach (string note in allNotes)
        {
            md.Append("- ").Append(Escape(note)).Append('\n');
        }

        return md.ToString();
    }

    private static void AppendSecureAggregation(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        var secure = runs.Where(r => r.SecureAggregation is not null).ToArray();
        if (secure.Length == 0)
        {
            return;
        }

        md.Append("## Secure aggregation (distributed discrete Gaussian)\n\n");
        md.Append("Groups of n devices for one model version; a group is released when at least n_min masked inputs are in its sum. Dropout: members whose update is not in their released group's sum, and members of formed groups that never sent a masked input. Noise: standard deviation per coordinate of the discrete Gaussian on the released mean, γσ/√survivors. ε: mean / max over devices, against the models and against the aggregator.\n\n");
        md.Append("| Strategy | Seed | z | n / n_min | Formed | Released | Abandoned (forming) | Refused messages | Dropout released / formed | Noise per coordinate | ε models | ε aggregator |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var run in secure)
        {
            var a = run.SecureAggregation!;
            md.Append(Invariant($"| {run.Strategy} | {run.Seed} | {run.NoiseMultiplier:F3} | {a.GroupSize} / {a.MinimumSurvivors} | {a.GroupsFormed} | {a.GroupsReleased} | {a.GroupsAbandoned} ({a.GroupsAbandonedForming}) | {a.Refused} | {a.DropoutRateReleased * 100:F1} % / {a.DropoutRateFormed * 100:F1} % | {a.NoisePerCoordinate:G3} | {run.MeanEpsilon:F2} / {run.MaxEpsilon:F2} | {run.MeanEpsilonAgainstAggregator:F2} / {run.MaxEpsilonAgainstAggregator:F2} |\n"));
        }

        md.Append('\n');
    }

    private static void AppendPersonalization(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        var personalized = runs.Where(r => r.Personalization is not null).ToArray();
        if (personalized.Length == 0)
        {
            return;
        }

        md.Append("## Personalization\n\n");
        md.Append("Accuracy of each device on its own held-out samples: median / 10th percentile over devices (%). ");
        md.Append("The served model is the agent's choice on its local validation split; then the share of devices where it is worse than the global model, and worse than the best of the global model and the device's candidates (on the held-out samples), by more than 1 point, and how many devices serve each model.\n\n");
        md.Append("| Strategy | Seed | Mode | Global | Personal | Local only | Served | Served worse than global | Served worse than best | Served (devices) |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var run in personalized)
        {
            var p = run.Personalization!;
            md.Append(Invariant($"| {run.Strategy} | {run.Seed} | {p.Mode} | {Quantiles(p.Global)} | {Quantiles(p.Personal)} | {Quantiles(p.LocalOnly)} | {Quantiles(p.Served)} | {PersonalizationStatistics.ServedWorseShare(p) * 100:F1} % | {PersonalizationStatistics.ServedBelowBestShare(p) * 100:F1} % | {PersonalizationStatistics.ServedCountsText(p)} |\n"));
        }

        md.Append('\n');
    }

    private static string Quantiles(IReadOnlyList<double?> values) =>
        Invariant($"{PersonalizationStatistics.Quantile(values, 0.5) * 100:F1} / {PersonalizationStatistics.Quantile(values, 0.1) * 100:F1}");

    private static void AppendStrategy(StringBuilder md, StrategySummary s, double target)
    {
        md.Append("### ").Append(Escape(s.Strategy)).Append("\n\n");
        md.Append(Invariant($"Reached {target * 100:G4} % test accuracy in {s.ReachedTarget} of {s.Seeds} seeds.\n\n"));
        md.Append("| Metric | Mean ± sd | n |\n|---|---:|---:|\n");
        Row(md, "Hours to target (h)", s.HoursToTarget, v => v.ToString("F2", CultureInfo.InvariantCulture));
        Row(md, "Final accuracy (%)", s.FinalAccuracy, v => (v * 100).ToString("F2", CultureInfo.InvariantCulture));
        Row(md, "Best accuracy (%)", s.BestAccuracy, v => (v * 100).ToString("F2", CultureInfo.InvariantCulture));
        Row(md, "Upload (MB)", s.UploadBytes, MegabytesLike(s.UploadBytes.Mean));
        Row(md, "Upload to target (MB)", s.UploadBytesToTarget, MegabytesLike(s.UploadBytesToTarget.Mean));
        Row(md, "Peak training memory, most constrained board (MB)", s.PeakTrainingMemoryBytes, MegabytesLike(s.PeakTrainingMemoryBytes.Mean));
        Row(md, "Accepted updates", s.AcceptedUpdates, v => v.ToString("F1", CultureInfo.InvariantCulture));
        md.Append('\n');
    }

    private static void Row(StringBuilder md, string name, MetricSummary m, Func<double, string> format)
    {
        string value = m.Mean is not double mean
            ? "—"
            : m.StandardDeviation is double sd ? $"{format(mean)} ± {format(sd)}" : format(mean);
        md.Append(Invariant($"| {name} | {value} | {m.Count} |\n"));
    }

    private static void AppendSeeds(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        md.Append("## Per seed\n\n");
        md.Append("| Strategy | Seed | Hours to target | Final acc. (%) | Best acc. (%) | Upload (MB) | Upload to target (MB) | Peak train. mem. (MB) | Accepted | Rejected | Interrupted | Budget refusals | Max ε | Simulated h | Wall s |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (RunResult r in runs)
        {
            string hours = r.HoursToTarget is double h ? h.ToString("F2", CultureInfo.InvariantCulture) : "not reached";
            string toTarget = r.UploadBytesToTarget is long b ? Megabytes(b) : "—";
            string maxEpsilon = r.EpsilonPerDevice.Count == 0 ? "—" : r.EpsilonPerDevice.Max().ToString("G3", CultureInfo.InvariantCulture);
            if (r.EpsilonAgainstAggregatorPerDevice.Count > 0 && r.MaxEpsilonAgainstAggregator != r.MaxEpsilon)
            {
                // random check-ins: the aggregator, which sees who sent, is owed the unamplified figure too
                maxEpsilon += Invariant($" ({r.MaxEpsilonAgainstAggregator:G3} vs aggregator)");
            }

            md.Append(Invariant(
                $"| {Escape(r.Strategy)} | {r.Seed} | {hours} | {r.FinalAccuracy * 100:F2} | {r.BestAccuracy * 100:F2} | {Megabytes(r.UploadBytes)} | {toTarget} | {Megabytes(r.PeakTrainingMemoryBytes)} | {r.AcceptedUpdates} | {r.Rejected.Values.Sum()} | {r.InterruptedRuns} | {r.BudgetRefusals} | {maxEpsilon} | {r.SimulatedHours:F2} | {r.WallSeconds:F1} |\n"));
        }

        md.Append('\n');
        md.Append("Check-ins (inside a charging window) and broker sessions; a quiet check-in found nothing new — the model, pace and empty outbox of the device's last session — and opened no session, as an agent on its kept connection receives nothing then:\n\n");
        foreach (RunResult r in runs)
        {
            md.Append(Invariant($"- {Escape(r.Strategy)} seed {r.Seed}: {r.CheckIns} check-ins, {r.QuietCheckIns} quiet; {r.BrokerSessions} sessions for check-ins and uploads{(r.OverBudgetSitOuts > 0 ? Invariant($"; {r.OverBudgetSitOuts} contributions sat out (the whole model is over the board's budget)") : "")}\n"));
        }

        md.Append('\n');
    }

    private static string Ratio(double? ratio) => ratio is double r
        ? Invariant($"{r:F3} ({FedAvgComparison.Change(r)})")
        : "n/a";

    private static string Megabytes(double bytes) => MegabytesLike(bytes)(bytes);

    /// <summary>
    /// MB with three significant figures of <paramref name="reference"/> (a mean), and the same decimals
    /// for everything formatted alike (its sd), so kB-sized models stay readable next to large ones.
    /// </summary>
    private static Func<double, string> MegabytesLike(double? reference)
    {
        double mb = Math.Abs(reference ?? 0) / 1e6;
        int decimals = mb == 0 ? 2 : Math.Clamp(2 - (int)Math.Floor(Math.Log10(mb)), 0, 6);
        string format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        return bytes => (bytes / 1e6).ToString(format, CultureInfo.InvariantCulture);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A pipe would end a table cell early; a newline would end the bullet or row.</summary>
    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
