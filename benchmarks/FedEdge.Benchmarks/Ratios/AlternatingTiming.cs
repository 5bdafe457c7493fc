using System.Diagnostics;

namespace FedEdge.Benchmarks.Ratios;

/// <summary>
/// Times a baseline and a candidate in alternating blocks (B, C, B, C, …) after a warm-up of both, so that
/// load from other processes on a shared machine falls on both alike; a ratio is the median of the
/// per-pair ratios, which a burst of load in one block moves less than a ratio of totals.
/// </summary>
internal static class AlternatingTiming
{
    /// <summary>Seconds per block for each action, the actions taking turns (round-robin) block by block.</summary>
    public static double[][] Run(IReadOnlyList<Action> actions, int blocks, int warmUpBlocks = 2)
    {
        for (int i = 0; i < warmUpBlocks; i++)
        {
            foreach (var action in actions)
            {
                action();
            }
        }

        var seconds = new double[actions.Count][];
        for (int a = 0; a < actions.Count; a++)
        {
            seconds[a] = new double[blocks];
        }

        for (int i = 0; i < blocks; i++)
        {
            for (int a = 0; a < actions.Count; a++)
            {
                seconds[a][i] = Seconds(actions[a]);
            }
        }

        return seconds;
    }

    /// <summary>Seconds per block of one action.</summary>
    public static double[] Run(Action block, int blocks, int warmUpBlocks = 2)
    {
        for (int i = 0; i < warmUpBlocks; i++)
        {
            block();
        }

        var seconds = new double[blocks];
        for (int i = 0; i < blocks; i++)
        {
            seconds[i] = Seconds(block);
        }

        return seconds;
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double[] PairRatios(double[] baseline, double[] candidate) =>
        [.. baseline.Zip(candidate, (b, c) => c / b)];

    private static double Seconds(Action block)
    {
        long start = Stopwatch.GetTimestamp();
        block();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
