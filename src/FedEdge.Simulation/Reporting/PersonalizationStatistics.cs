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
}
