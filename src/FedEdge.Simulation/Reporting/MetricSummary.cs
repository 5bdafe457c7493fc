namespace FedEdge.Simulation.Reporting;

/// <summary>A quantity over seeds: mean, sample standard deviation and how many seeds it is over.</summary>
/// <param name="Mean">Arithmetic mean; null when <paramref name="Count"/> is 0.</param>
/// <param name="StandardDeviation">Sample standard deviation (divisor n − 1); null when <paramref name="Count"/> &lt; 2.</param>
/// <param name="Count">Seeds the statistic is over.</param>
public sealed record MetricSummary(double? Mean, double? StandardDeviation, int Count)
{
    /// <summary>Summarises <paramref name="values"/>.</summary>
    public static MetricSummary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] x = [.. values];
        if (x.Length == 0)
        {
            return new MetricSummary(null, null, 0);
        }

        double sum = 0;
        foreach (double v in x)
        {
            sum += v;
        }

        double mean = sum / x.Length;
        if (x.Length == 1)
        {
            return new MetricSummary(mean, null, 1);
        }

        // Two passes (mean, then squared deviations) rather than Σx² − n·mean², which cancels
        // catastrophically for byte counts of 1e9 with small spread.
        double squares = 0;
        foreach (double v in x)
        {
            squares += (v - mean) * (v - mean);
        }

        return new MetricSummary(mean, Math.Sqrt(squares / (x.Length - 1)), x.Length);
    }
}
