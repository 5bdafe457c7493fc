using FedEdge.Simulation.Results;

namespace FedEdge.Simulation.Reporting;

/// <summary>
/// What a <c>fededge simulate</c> invocation produced: its settings, every run, and each strategy
/// aggregated over seeds. A pure function of its inputs (no clock), so that the same runs give the
/// same summary.json byte for byte; only <see cref="RunResult.WallSeconds"/> records real time.
/// </summary>
/// <param name="Options">The settings echoed.</param>
/// <param name="Runs">Every run, ordered by strategy (as in <see cref="Strategies"/>) then seed.</param>
/// <param name="Strategies">Per strategy, aggregates over seeds.</param>
public sealed record SimulationSummary(
    SummaryOptions Options,
    IReadOnlyList<RunResult> Runs,
    IReadOnlyList<StrategySummary> Strategies)
{
    /// <summary>Name of the baseline that ratios are taken against.</summary>
    public const string FedAvg = "fedavg";

    /// <summary>Aggregates <paramref name="runs"/> per strategy.</summary>
    /// <remarks>
    /// Strategies appear in the order of <see cref="SummaryOptions.Strategies"/>, then any other
    /// strategy in the order its first run appears. Ratios against FedAvg divide seed means, not
    /// per-seed ratios: seeds share fleet and data across strategies, but a strategy may miss the
    /// target on a seed where FedAvg reaches it, and a ratio of means stays defined then.
    /// </remarks>
    public static SimulationSummary Create(SummaryOptions options, IReadOnlyList<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runs);
        foreach (RunResult run in runs)
        {
            ArgumentNullException.ThrowIfNull(run, nameof(runs));
        }

        var order = new List<string>();
        foreach (string name in options.Strategies.Concat(runs.Select(r => r.Strategy)))
        {
            if (!order.Contains(name, StringComparer.OrdinalIgnoreCase) && runs.Any(r => Same(r.Strategy, name)))
            {
                order.Add(name);
            }
        }

        RunResult[] sorted = [.. runs
            .OrderBy(r => order.FindIndex(n => Same(n, r.Strategy)))
            .ThenBy(r => r.Seed)];

        var aggregates = order.Select(name => Aggregate(name, [.. sorted.Where(r => Same(r.Strategy, name))])).ToList();
        StrategySummary? fedAvg = aggregates.Find(s => Same(s.Strategy, FedAvg));
        StrategySummary[] strategies = [.. aggregates.Select(s =>
            fedAvg is null || ReferenceEquals(s, fedAvg) ? s : s with { VersusFedAvg = FedAvgComparison.Between(s, fedAvg) })];
        return new SimulationSummary(options, sorted, strategies);
    }

    /// <summary>The summary of <paramref name="strategy"/>, or null when it was not run.</summary>
    public StrategySummary? Find(string strategy) => Strategies.FirstOrDefault(s => Same(s.Strategy, strategy));

    private static StrategySummary Aggregate(string name, RunResult[] runs)
    {
        RunResult[] reached = [.. runs.Where(r => r.HoursToTarget is not null)];
        return new StrategySummary(
            name,
            runs.Length,
            reached.Length,
            MetricSummary.Of(reached.Select(r => r.HoursToTarget!.Value)),
            MetricSummary.Of(runs.Select(r => r.FinalAccuracy)),
            MetricSummary.Of(runs.Select(r => r.BestAccuracy)),
            MetricSummary.Of(runs.Select(r => (double)r.UploadBytes)),
            MetricSummary.Of(runs.Where(r => r.UploadBytesToTarget is not null).Select(r => (double)r.UploadBytesToTarget!.Value)),
            MetricSummary.Of(runs.Select(r => (double)r.PeakTrainingMemoryBytes)),
            MetricSummary.Of(runs.Select(r => (double)r.AcceptedUpdates)),
            VersusFedAvg: null);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
