using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FedEdge.Benchmarks.Footprint;
using FedEdge.Benchmarks.Throughput;
using FedEdge.Core.Models;

namespace FedEdge.Benchmarks.Ratios;

/// <summary>
/// <c>ratios</c>: every row of issue 5/5's table in one run, each ratio against a baseline measured in
/// the same run, printed as ONE JSON object on stdout (progress on stderr). Timed rows alternate
/// baseline and candidate block by block and report the median of the per-pair ratios with the
/// spread; the FTTE accuracy and compression rows run fleet simulations (≈ 2.5 min); a row that cannot be measured says
/// so ("measured": false, "met": null) instead of a number. Takes about three minutes.
/// The object is written as ONE line and last: <c>dotnet run</c> replays NuGet's NU1603 restore warnings
/// on stdout before the program starts, so <c>… -- ratios | tail -n 1</c> is the object; <c>--out FILE</c>
/// also writes it, indented, to a file.
/// </summary>
internal static class IssueRatios
{
    public static async Task<int> RunAsync(TextWriter output, TextWriter log, string? outFile = null)
    {
        long started = Stopwatch.GetTimestamp();
        var rows = new JsonObject();
        var report = new JsonObject
        {
            ["command"] = "dotnet run -c Release --project benchmarks/FedEdge.Benchmarks -- ratios",
            ["date_utc"] = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["machine"] = Machine(),
            ["rows"] = rows,
        };

        log.WriteLine("aggregator intake: 2,000 updates through mosquitto, bare subscriber then aggregator …");
        rows["aggregator_intake"] = await AggregatorIntakeAsync(log).ConfigureAwait(false);

        using var training = new TrainingRatios();
        log.WriteLine("training throughput: 25 blocks of 400 steps of 32 …");
        rows["training_throughput"] = Throughput(training.Throughput(25), samplesPerBlock: 400 * 32);

        log.WriteLine("DP-SGD vs plain, batch 64: the fededge-train loop (20 epochs) × 15, then 15 blocks of 200 steps …");
        rows["dp_sgd_cost"] = DpCost(training, log);

        log.WriteLine("update bytes per codec, and dense vs packed 3-bit on the fleet (2 × fededge simulate, ≈ 1 min) …");
        rows["update_bytes"] = await UpdateBytesAsync(log).ConfigureAwait(false);

        log.WriteLine("FTTE device training memory: dense vs subset contributions in child processes …");
        rows["ftte_device_memory"] = await FtteMemoryAsync(log).ConfigureAwait(false);
        log.WriteLine("FTTE accuracy vs FedBuff: fededge simulate --preset ftte-paper --devices 500, seeds 0–2 (≈ 1.5 min) …");
        rows["ftte_accuracy_vs_fedbuff"] = await FtteAccuracyAsync(log).ConfigureAwait(false);

        report["load_average_end"] = LoadAverage();
        report["seconds"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1);
        if (outFile is not null)
        {
            await File.WriteAllTextAsync(outFile, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })).ConfigureAwait(false);
        }

        output.WriteLine(report.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return 0;
    }

    private static async Task<JsonObject> AggregatorIntakeAsync(TextWriter log)
    {
        try
        {
            var result = await AggregatorThroughput.MeasureInChildAsync(2000).ConfigureAwait(false);
            double ratio = result.Aggregator / result.Bare;
            return Row(
                "aggregator accepted updates/s ÷ bare MQTTnet subscriber (2,000 queued digits-MLP updates, same mosquitto)",
                result.Aggregator, result.Bare, ratio, "≥ 0.9", ratio >= 0.9,
                new JsonObject
                {
                    ["unit"] = "updates/s",
                    ["payload_bytes"] = result.PayloadBytes,
                    ["accepted"] = result.Accepted,
                    ["engine_alone_updates_per_s"] = Math.Round(result.EngineOnly),
                    ["cpu_us_per_message_bare"] = Math.Round((result.BareProcessCpu + result.BareBrokerCpu) * 1e6),
                    ["cpu_us_per_message_aggregator"] = Math.Round((result.AggregatorProcessCpu + result.AggregatorBrokerCpu) * 1e6),
                    ["note"] = "one drain each after an untimed warm-up (not repeated), in a child with tiered compilation off; the `throughput` run; CPU includes mosquitto's",
                });
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException or IOException)
        {
            log.WriteLine($"aggregator intake not measured: {ex.Message}");
            return NotMeasured("aggregator accepted updates/s ÷ bare MQTTnet subscriber", "≥ 0.9", $"needs /usr/sbin/mosquitto: {ex.Message}");
        }
    }

    private static async Task<JsonObject> FtteAccuracyAsync(TextWriter log)
    {
        const string Measure = "FTTE final accuracy vs FedBuff (ftte-paper preset: digits, Dirichlet 0.3, 90 % stragglers; 500 devices, seeds 0–2, mean)";
        const string Target = "≥ FedBuff − 0.5 points";
        string[] arguments = ["simulate", "--preset", "ftte-paper", "--devices", "500", "--strategy", "fedbuff,ftte"];
        try
        {
            var (runs, wall) = await SimulationRuns.SimulateAsync(arguments, log).ConfigureAwait(false);
            double[] ftte = SimulationRuns.Finals(runs, "ftte");
            double[] fedBuff = SimulationRuns.Finals(runs, "fedbuff");
            return Row(
                Measure, ftte.Average(), fedBuff.Average(), ftte.Average() / fedBuff.Average(), Target, ftte.Average() >= fedBuff.Average() - 0.005,
                new JsonObject
                {
                    ["unit"] = "accuracy on the pooled test set",
                    ["difference_points"] = Math.Round(100 * (ftte.Average() - fedBuff.Average()), 2),
                    ["ftte_per_seed_percent"] = SimulationRuns.Percent(ftte),
                    ["fedbuff_per_seed_percent"] = SimulationRuns.Percent(fedBuff),
                    ["command"] = "fededge " + string.Join(' ', arguments),
                    ["wall_seconds"] = Math.Round(wall, 1),
                    ["note"] = "seeded and deterministic: the same figures on every run; the paired per-seed differences spread by ≈ 1 point, so 3 seeds resolve the mean to ≈ ±0.5",
                });
        }
        catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or System.ComponentModel.Win32Exception or System.Text.Json.JsonException)
        {
            log.WriteLine($"FTTE accuracy not measured: {ex.Message}");
            return NotMeasured(Measure, Target, ex.Message);
        }
    }

    /// <summary>
    /// Peak RSS a contribution adds, FTTE subset ÷ dense, for the smart-home MLP 14-256-128-5 with the subset the server
    /// picks under a budget of the weights plus 31 % of the coordinates at 20 B each (the share the pi-zero-2w budget gives
    /// the digits MLP by that count); a 10 % budget, the digits MLP and the wide 1024-512 MLP are details.
    /// </summary>
    private static async Task<JsonObject> FtteMemoryAsync(TextWriter log)
    {
        var measured = await FtteDeviceMemory.MeasureAsync(log).ConfigureAwait(false);
        var smartHome = measured["models"]!["mlp-14-256-128-5"]!;
        double dense = smartHome["dense"]!["peak_rss_delta_kib"]!.GetValue<long>();
        string key = smartHome.AsObject().Select(p => p.Key).First(k => k.StartsWith("budget_0.3", StringComparison.Ordinal));
        double subset = smartHome[key]!["peak_rss_delta_kib"]!.GetValue<long>();
        double ratio = subset / dense;
        // the split of the same children's memory: private (anonymous) pages, and the rest — code both modes run for the
        // first time in the process (JIT-compiled methods, framework assembly pages, ONNX Runtime's library pages)
        double anonRatio = (double)smartHome[key]!["rss_anon_delta_kib"]!.GetValue<long>() / smartHome["dense"]!["rss_anon_delta_kib"]!.GetValue<long>();
        // the same children's second contribution: a trainer loaded again with that code resident
        double warmRatio = (double)smartHome[key]!["warm"]!["peak_rss_delta_kib"]!.GetValue<long>() / smartHome["dense"]!["warm"]!["peak_rss_delta_kib"]!.GetValue<long>();
        var wide = measured["models"]!["mlp-14-1024-512-5"]!.AsObject();
        var wideRatios = new JsonObject();
        foreach (var (budget, node) in wide.Where(p => p.Key.StartsWith("budget_", StringComparison.Ordinal)))
        {
            wideRatios[budget] = Math.Round((double)node!["peak_rss_delta_kib"]!.GetValue<long>() / wide["dense"]!["peak_rss_delta_kib"]!.GetValue<long>(), 3);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak RSS {ratio:F2}, private pages {anonRatio:F2}, reloaded warm {warmRatio:F2}; wide 1024-512 MLP peak RSS {wideRatios.ToJsonString()}"));
        return Row(
            "FTTE device training memory vs dense: peak RSS one contribution adds (load the cached set, 1 epoch of 2,000 samples, batch 32, SGD), smart-home MLP 14-256-128-5, the server's subset under a budget of the weights + 31 % of the coordinates at 20 B (tensor gradients counted)",
            subset, dense, ratio, "≤ 0.4 (≥ 60 % less)", ratio <= 0.4,
            new JsonObject
            {
                ["unit"] = "KiB (VmHWM − VmRSS before, median of 3 fresh child processes each)",
                ["private_pages_ratio"] = Math.Round(anonRatio, 3),
                ["private_pages_note"] = "RssAnon after the epoch (trainer alive) minus before, subset ÷ dense: the training's memory without the code pages both modes touch for the first time",
                ["warm_peak_rss_ratio"] = Math.Round(warmRatio, 3),
                ["warm_note"] = "the same children's second contribution, a trainer loaded again after the first was disposed (as the agent does when the server's subset changes): the code and the runtime's one-time allocations are resident by then",
                ["wide_model_peak_rss_ratios"] = wideRatios,
                ["detail"] = measured.DeepClone(),
            });
    }

    private static JsonObject Throughput(BlockTimes times, int samplesPerBlock)
    {
        double[] samplesPerSecond = [.. times.Wall.Select(s => samplesPerBlock / s)];
        double[] perCpuSecond = [.. times.Cpu.Select(s => samplesPerBlock / s)];
        double median = AlternatingTiming.Median(samplesPerSecond);
        return Row(
            "training samples/s, digits MLP 64-32-10, batch 32, one ONNX Runtime thread (AdamW step incl.)",
            median, 1_000_000, median / 1_000_000, "≥ 1 (1M samples/s)", median >= 1_000_000,
            new JsonObject
            {
                ["unit"] = "samples/s (wall clock); baseline is the 1M target",
                ["blocks"] = samplesPerSecond.Length,
                ["min"] = Math.Round(samplesPerSecond.Min()),
                ["max"] = Math.Round(samplesPerSecond.Max()),
                ["per_thread_cpu_second"] = Math.Round(AlternatingTiming.Median(perCpuSecond)),
            });
    }

    private static JsonObject DpCost(TrainingRatios training, TextWriter log)
    {
        var (loops, plainSteps, privateSteps) = training.WholeRun(epochs: 20, blocks: 15);
        double[] runRatios = AlternatingTiming.PairRatios(loops[0].Wall, loops[1].Wall);
        var steps = training.PerStep(15);
        double ratio = AlternatingTiming.Median(runRatios);
        var perStep = Spread(steps[0], steps[1], 200, singleThreaded: false);
        var perStepInline = Spread(steps[0], steps[2], 200, singleThreaded: true);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  loop ratio {ratio:F3}, per step {perStep["ratio"]} (inline noise {perStepInline["ratio"]})"));
        return Row(
            "DP-SGD ÷ plain training time, batch 64: the training loop of `fededge train` (20 epochs of the digits training split; DP-SGD q = 64/n, σ = 1.1, C = 1; noise drawn concurrently)",
            AlternatingTiming.Median(loops[1].Wall), AlternatingTiming.Median(loops[0].Wall), ratio, "≤ 1.3", ratio <= 1.3,
            new JsonObject
            {
                ["unit"] = "seconds per training loop (wall clock)",
                ["plain_steps"] = plainSteps,
                ["dp_sgd_steps"] = privateSteps,
                ["pairs"] = runRatios.Length,
                ["ratio_min"] = Math.Round(runRatios.Min(), 3),
                ["ratio_max"] = Math.Round(runRatios.Max(), 3),
                ["loop_noise_inline"] = Spread(loops[0], loops[2], steps: 1, singleThreaded: true),
                ["per_step"] = perStep,
                ["per_step_noise_inline"] = perStepInline,
            });
    }

    /// <summary>
    /// Median pair ratio (wall clock) with its spread and the per-step times; when both sides run on one
    /// thread also the ratio of thread CPU times, which load from other processes does not inflate.
    /// </summary>
    private static JsonObject Spread(BlockTimes baseline, BlockTimes candidate, int steps, bool singleThreaded)
    {
        double[] ratios = AlternatingTiming.PairRatios(baseline.Wall, candidate.Wall);
        var spread = new JsonObject
        {
            ["ratio"] = Math.Round(AlternatingTiming.Median(ratios), 3),
            ["ratio_min"] = Math.Round(ratios.Min(), 3),
            ["ratio_max"] = Math.Round(ratios.Max(), 3),
        };
        if (singleThreaded)
        {
            spread["thread_cpu_ratio"] = Math.Round(AlternatingTiming.Median(AlternatingTiming.PairRatios(baseline.Cpu, candidate.Cpu)), 3);
        }

        if (steps > 1)
        {
            spread["plain_us_per_step"] = Math.Round(AlternatingTiming.Median(baseline.Wall) / steps * 1e6, 2);
            spread["dp_sgd_us_per_step"] = Math.Round(AlternatingTiming.Median(candidate.Wall) / steps * 1e6, 2);
        }

        return spread;
    }

    private static async Task<JsonObject> UpdateBytesAsync(TextWriter log)
    {
        var architecture = ModelArchitecture.Parse("mlp-64-32-10");
        var random = new Random(3);
        var before = architecture.InitialParameters(random);
        var update = new float[before.Length];
        for (int i = 0; i < update.Length; i++)
        {
            update[i] = (float)((random.NextDouble() - 0.5) * 0.02); // stand-in for a local update; sizes do not depend on values
        }

        var sizes = CodecRatios.Measure(architecture, update);
        int dense = sizes.Single(s => s.Codec == "dense_float32").Bytes;
        var codecs = new JsonObject();
        foreach (var (codec, bytes) in sizes)
        {
            codecs[codec] = new JsonObject { ["bytes"] = bytes, ["ratio_to_dense_float32"] = Math.Round((double)bytes / dense, 4) };
        }

        const string Measure = "update bytes ÷ dense float32 at ≤ 1 point accuracy loss (digits MLP, 2,410 parameters; packed 3-bit stochastic codec, FedBuff on the ftte-paper preset, 100 devices, seeds 0–2)";
        const string Target = "≤ 1/8 (0.125) at ≤ 1 point loss";
        string[] arguments = ["simulate", "--preset", "ftte-paper", "--strategy", "fedbuff"];
        try
        {
            var (denseRuns, denseWall) = await SimulationRuns.SimulateAsync([.. arguments, "--codec", "dense"], log).ConfigureAwait(false);
            var (packedRuns, packedWall) = await SimulationRuns.SimulateAsync([.. arguments, "--codec", "packed3"], log).ConfigureAwait(false);
            double denseBytes = denseRuns.Average(r => r.BytesPerUpdate);
            double packedBytes = packedRuns.Average(r => r.BytesPerUpdate);
            double[] denseFinals = SimulationRuns.Finals(denseRuns, "fedbuff");
            double[] packedFinals = SimulationRuns.Finals(packedRuns, "fedbuff");
            double loss = 100 * (denseFinals.Average() - packedFinals.Average());
            double ratio = packedBytes / denseBytes;
            return Row(
                Measure, packedBytes, denseBytes, ratio, Target, ratio <= 0.125 && loss <= 1.0,
                new JsonObject
                {
                    ["unit"] = "bytes per accepted update as received (whole ModelUpdate message)",
                    ["accuracy_loss_points"] = Math.Round(loss, 2),
                    ["dense_per_seed_percent"] = SimulationRuns.Percent(denseFinals),
                    ["packed3_per_seed_percent"] = SimulationRuns.Percent(packedFinals),
                    ["command"] = "fededge " + string.Join(' ', arguments) + " --codec dense | packed3",
                    ["wall_seconds"] = Math.Round(denseWall + packedWall, 1),
                    ["payload_bytes_per_codec"] = codecs,
                    ["payload_baseline_dense_float32"] = dense,
                });
        }
        catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or System.ComponentModel.Win32Exception or System.Text.Json.JsonException)
        {
            log.WriteLine($"update bytes not measured on the fleet: {ex.Message}");
            var row = NotMeasured(Measure, Target, ex.Message);
            row["baseline"] = dense;
            row["codecs"] = codecs;
            return row;
        }
    }

    private static JsonObject Row(string measure, double value, double baseline, double ratio, string target, bool met, JsonObject details)
    {
        var row = new JsonObject
        {
            ["measure"] = measure,
            ["measured"] = true,
            ["value"] = Round(value),
            ["baseline"] = Round(baseline),
            ["ratio"] = Math.Round(ratio, 3),
            ["target"] = target,
            ["met"] = met,
        };
        foreach (var (key, node) in details.ToList())
        {
            details.Remove(key);
            row[key] = node;
        }

        return row;
    }

    private static JsonObject NotMeasured(string measure, string target, string why) => new()
    {
        ["measure"] = measure,
        ["measured"] = false,
        ["value"] = null,
        ["baseline"] = null,
        ["ratio"] = null,
        ["target"] = target,
        ["met"] = null,
        ["why"] = why,
    };

    private static double Round(double value) => Math.Abs(value) >= 100 ? Math.Round(value) : Math.Round(value, 6);

    private static JsonObject Machine() => new()
    {
        ["nproc"] = Environment.ProcessorCount,
        ["cpu"] = CpuModel(),
        ["os"] = RuntimeInformation.OSDescription,
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["load_average_start"] = LoadAverage(),
        ["note"] = "shared build machine: other processes run at the same time; ratios pair alternating blocks",
    };

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string? LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
