using System.Globalization;
using System.Text;

namespace FedEdge.Simulation.Reporting;

/// <summary>
/// A strategy against FedAvg, as ratios of seed means (strategy / FedAvg): 0.6 means 40 % less.
/// A ratio is null when either mean is missing (e.g. a strategy never reached the target) or FedAvg's is 0.
/// </summary>
/// <param name="Strategy">The strategy compared.</param>
/// <param name="TimeToTargetRatio">Mean hours to target (over the seeds that reached it).</param>
/// <param name="PayloadRatio">Mean upload bytes over the whole run.</param>
/// <param name="PayloadToTargetRatio">Mean upload bytes until the target was reached.</param>
/// <param name="MemoryRatio">Mean peak training memory on the most constrained board.</param>
public sealed record FedAvgComparison(
    string Strategy,
    double? TimeToTargetRatio,
    double? PayloadRatio,
    double? PayloadToTargetRatio,
    double? MemoryRatio)
{
    /// <summary>Compares the means of <paramref name="strategy"/> with those of <paramref name="fedAvg"/>.</summary>
    public static FedAvgComparison Between(StrategySummary strategy, StrategySummary fedAvg)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(fedAvg);
        return new FedAvgComparison(
            strategy.Strategy,
            Ratio(strategy.HoursToTarget, fedAvg.HoursToTarget),
            Ratio(strategy.UploadBytes, fedAvg.UploadBytes),
            Ratio(strategy.UploadBytesToTarget, fedAvg.UploadBytesToTarget),
            Ratio(strategy.PeakTrainingMemoryBytes, fedAvg.PeakTrainingMemoryBytes));
    }

    /// <summary>E.g. "ftte vs fedavg: −41.2 % time to target, −80.0 % payload to target, −75.0 % memory".</summary>
    public string Describe()
    {
        var text = new StringBuilder(Strategy).Append(" vs fedavg: ");
        text.Append(Change(TimeToTargetRatio)).Append(" time to target, ");
        if (PayloadToTargetRatio is not null)
        {
            text.Append(Change(PayloadToTargetRatio)).Append(" payload to target, ");
        }

        text.Append(Change(PayloadRatio)).Append(" payload over the run, ");
        text.Append(Change(MemoryRatio)).Append(" peak training memory");
        return text.ToString();
    }

    /// <summary>A ratio as a signed percentage change ("−40.0 %", "+3.1 %", "n/a").</summary>
    public static string Change(double? ratio)
    {
        if (ratio is not double r)
        {
            return "n/a";
        }

        double percent = (r - 1) * 100;
        // U+2212 minus, so that the sign reads as a sign and not a hyphen.
        string sign = percent < 0 ? "\u2212" : "+";
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{Math.Abs(percent):F1} %");
    }

    private static double? Ratio(MetricSummary value, MetricSummary reference) =>
        value.Mean is double v && reference.Mean is double r && r != 0 ? v / r : null;
}
