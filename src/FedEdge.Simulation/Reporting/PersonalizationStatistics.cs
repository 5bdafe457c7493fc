using FedEdge.Simulation.Results;

namespace FedEdge.Simulation.Reporting;

/// <summary>Summaries of per-device personalization accuracies: quantiles and how often serving lost against global.</summary>
public static class PersonalizationStatistics
{
    /// <summary>Accuracy loss against the global model that counts as "worse" (1 percentage point).</summary>
    public const double WorseMargin = 0.01;

    /// <summary>The <paramref name="p"/>-quantile of the devices that have a value (type 7: linear between order statistics, numpy's default); NaN if none.</summary>
    public static double Quantile(IReadOnlyList<double?> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values.Where(v => v is not null).Select(v => v!.Value).Order()];
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        double position = p * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }

    /// <summary>Share of devices (with both values) whose served model is worse than the global model by more than <see cref="WorseMargin"/>.</summary>
    public static double ServedWorseShare(PersonalizationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        int devices = 0, worse = 0;
        for (int i = 0; i < result.Global.Count; i++)
        {
            if (result.Global[i] is { } global && result.Served[i] is { } served)
            {
                devices++;
                worse += served < global - WorseMargin ? 1 : 0;
            }
        }

        return devices == 0 ? 0 : (double)worse / devices;
    }

    /// <summary>
    /// Share of devices (with both values) whose served model is worse on the held-out samples than
    /// the best of the global model and their personal candidates by more than <see cref="WorseMargin"/>:
    /// how often the choice on the small validation split missed.
    /// </summary>
    public static double ServedBelowBestShare(PersonalizationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.BestCandidate is null)
        {
            return double.NaN;
        }

        int devices = 0, worse = 0;
        for (int i = 0; i < result.Served.Count; i++)
        {
            if (result.BestCandidate[i] is { } best && result.Served[i] is { } served)
            {
                devices++;
                worse += served < best - WorseMargin ? 1 : 0;
            }
        }

        return devices == 0 ? 0 : (double)worse / devices;
    }

    /// <summary>How many devices serve each model (global, head, ditto:λ, local-only), by name.</summary>
    public static SortedDictionary<string, int> ServedCounts(PersonalizationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (result.ServedKind is null)
        {
            return counts;
        }

        foreach (string? kind in result.ServedKind)
        {
            if (kind is not null)
            {
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
            }
        }

        return counts;
    }

    /// <summary><see cref="ServedCounts"/> as one line: "global 3, local-only 47".</summary>
    public static string ServedCountsText(PersonalizationResult result) =>
        string.Join(", ", ServedCounts(result).Select(c => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
}
