using System.Diagnostics;

namespace FedEdge.Benchmarks.Ratios;

/// <summary>
/// Times a baseline and a candidate in alternating blocks (B, C, B, C, …) after a warm-up of both, so that
/// load from other processes on a shared machine falls on both alike; a ratio is the median of the
/// per-pair ratios, which a burst of load in one block moves less than a ratio of totals. Each block
/// also records the calling thread's CPU time (<see cref="ThreadCpuClock"/>).
/// </summary>
internal static class AlternatingTiming
{
    /// <summary>Wall and thread-CPU seconds per block for each action, the actions taking turns (round-robin) block by block.</summary>
    public static BlockTimes[] Run(IReadOnlyList<Action> actions, int blocks, int warmUpBlocks = 2)
    {
        for (int i = 0; i < warmUpBlocks; i++)
        {
            foreach (var action in actions)
            {
                action();
            }
        }

        var seconds = new double[actions.Count][];
        var cpu = new double[actions.Count][];
        for (int a = 0; a < actions.Count; a++)
        {
            seconds[a] = new double[blocks];
            cpu[a] = new double[blocks];
        }

        for (int i = 0; i < blocks; i++)
        {
            for (int a = 0; a < actions.Count; a++)
            {
                double cpuStart = ThreadCpuClock.Seconds();
                seconds[a][i] = Seconds(actions[a]);
                cpu[a][i] = ThreadCpuClock.Seconds() - cpuStart;
            }
        }

        return [.. seconds.Zip(cpu, (wall, thread) => new BlockTimes(wall, thread))];
    }

    /// <summary>Wall and thread-CPU seconds per block of one action.</summary>
    public static BlockTimes Run(Action block, int blocks, int warmUpBlocks = 2) => Run([block], blocks, warmUpBlocks)[0];

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
