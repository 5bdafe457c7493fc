using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using FedEdge.Benchmarks.Common;

namespace FedEdge.Benchmarks.Ratios;

/// <summary>
/// The rows of issue 5/5 that need a fleet: the real <c>fededge simulate</c> (the CLI built beside this benchmark) in a
/// child process, its summary read from <c>--json</c>. The simulations are seeded and deterministic, so these rows give
/// the same figures on every run; only their wall time varies.
/// </summary>
internal static class SimulationRuns
{
    /// <summary>One run of the summary: its strategy, seed, final accuracy and bytes per accepted update.</summary>
    public sealed record Run(string Strategy, int Seed, double FinalAccuracy, double BytesPerUpdate);

    /// <summary>Runs <c>fededge</c> with <paramref name="arguments"/> (plus <c>--json --out</c> a temporary directory).</summary>
    /// <exception cref="InvalidOperationException">The simulation failed or printed no runs.</exception>
    public static async Task<(Run[] Runs, double WallSeconds)> SimulateAsync(IReadOnlyList<string> arguments, TextWriter log)
    {
        string output = Directory.CreateTempSubdirectory("fededge-ratios-simulate-").FullName;
        try
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = SiblingBuild.Root(),
            };
            start.ArgumentList.Add(SiblingBuild.Dll("FedEdge.Cli", "fededge.dll"));
            foreach (string argument in arguments.Concat(["--json", "--out", output]))
            {
                start.ArgumentList.Add(argument);
            }

            long started = Stopwatch.GetTimestamp();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start fededge simulate");
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
            await process.WaitForExitAsync().ConfigureAwait(false);
            string errors = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"fededge {string.Join(' ', arguments)} exited with {process.ExitCode}: {Tail(errors)}");
            }

            log.WriteLine(Tail(errors));
            var runs = JsonNode.Parse(stdout)?["runs"]?.AsArray()
                ?? throw new InvalidOperationException("fededge simulate --json printed no runs");
            Run[] parsed = [.. runs.Select(r => new Run(
                r!["strategy"]!.GetValue<string>(),
                r["seed"]!.GetValue<int>(),
                r["finalAccuracy"]!.GetValue<double>(),
                r["uploadBytes"]!.GetValue<double>() / Math.Max(1, r["acceptedUpdates"]!.GetValue<double>())))];
            return (parsed, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>The final accuracies of <paramref name="strategy"/>'s runs, by seed.</summary>
    /// <exception cref="InvalidOperationException">There is none.</exception>
    public static double[] Finals(IEnumerable<Run> runs, string strategy)
    {
        double[] finals = [.. runs.Where(r => r.Strategy == strategy).OrderBy(r => r.Seed).Select(r => r.FinalAccuracy)];
        return finals.Length > 0 ? finals : throw new InvalidOperationException($"the summary has no {strategy} run");
    }

    /// <summary>"93.6, 92.8, 91.4" in percent.</summary>
    public static string Percent(IEnumerable<double> values) =>
        string.Join(", ", values.Select(v => (100 * v).ToString("F1", CultureInfo.InvariantCulture)));

    private static string Tail(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 8)));
    }
}
