using System.Globalization;
using BenchmarkDotNet.Running;
using FedEdge.Benchmarks.Footprint;
using FedEdge.Benchmarks.Ratios;
using FedEdge.Benchmarks.Throughput;

namespace FedEdge.Benchmarks;

internal static class Program
{
    /// <summary>
    /// BenchmarkDotNet for the in-process benchmarks; <c>throughput [N]</c> runs the measured
    /// aggregator-vs-bare-subscriber comparison through a real mosquitto; <c>footprint</c> measures
    /// training peak RSS against a bare ORT process and the agent's idle CPU; <c>footprint-ftte [MODEL ...]</c> (and <c>footprint-ftte-copies</c>, the gradient copies of a subset) measures a device
    /// contribution's training memory dense vs FTTE subset (<see cref="FtteDeviceMemory"/>); <c>ratios [--out FILE]</c> prints
    /// every ratio of issue 5/5 as one JSON object (one line, last on stdout).
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "ratios")
        {
            string? outFile = args.Length > 2 && args[1] == "--out" ? args[2] : null;
            return await IssueRatios.RunAsync(Console.Out, Console.Error, outFile).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "throughput")
        {
            int count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
            return await AggregatorThroughput.RunAsync(count).ConfigureAwait(false);
        }

        if (args.Length > 1 && args[0] == "throughput-child")
        {
            return await AggregatorThroughput.ChildAsync(int.Parse(args[1], CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "footprint")
        {
            return await AgentFootprint.RunAsync().ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "footprint-ftte-copies")
        {
            Console.WriteLine((await FtteDeviceMemory.MeasureGradientCopiesAsync(Console.Out).ConfigureAwait(false)).ToJsonString());
            return 0;
        }

        if (args.Length > 0 && args[0] == "footprint-ftte")
        {
            return await FtteDeviceMemory.RunAsync(Console.Out, args.Length > 1 ? args[1..] : null).ConfigureAwait(false);
        }

        if (args.Length > 4 && args[0] == "footprint-child" && args[1] == "ftte-session")
        {
            return FtteDeviceMemory.SessionChild(args[2], args[3], args[4]);
        }

        if (args.Length > 5 && args[0] == "footprint-child" && args[1] == "ftte")
        {
            return FtteDeviceMemory.Child(args[2], args[3], args[4], args[5]);
        }

        if (args.Length > 1 && args[0] == "footprint-child")
        {
            return AgentFootprint.Child(args[1]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
