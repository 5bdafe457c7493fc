using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using FedEdge.Cli.Data;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Codecs;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Device.Contribution;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Datasets;
using FedEdge.Sensors.Features;
using FedEdge.Sensors.Simulated;
using Microsoft.ML.OnnxRuntime;

namespace FedEdge.Benchmarks.Footprint;

/// <summary>
/// Issue 5/5 item 1's row, "FTTE device training memory vs dense": the memory one device contribution adds, training
/// every tensor (the device's dense set, <see cref="LocalTrainers.Get"/>) against training the FTTE subset the server
/// would assign (<see cref="LocalTrainers.GetSubset"/>), each in a fresh child process. The child first becomes a
/// device that already predicts — data loaded, ONNX Runtime loaded, the inference model open and run once, the subset
/// read from a file the parent wrote (as a device decodes it from the model message; no server code runs in the child) —
/// then collects garbage aggressively (returning free heap to the OS), records VmRSS, the glibc heap in use (mallinfo2: ONNX Runtime's arenas, sessions and kernels
/// live there) and the managed heap, resets the peak (<c>5 &gt; /proc/self/clear_refs</c>), loads the trainer from
/// artifacts already on disk and runs one contribution's training (the agent's defaults: one epoch of 2,000 samples,
/// batch 32, SGD). Training memory = VmHWM − VmRSS before. The child then disposes that trainer, returns the freed
/// heaps to the OS and measures a second contribution the same way ("warm": the code the training path runs is
/// resident by then, so this is the training's own memory). A third mode does the same with an empty cache, so it
/// includes generating the subset set (the first contribution under a new subset).
/// </summary>
internal static partial class FtteDeviceMemory
{
    /// <summary>The smallest board's training budget in the simulator's fleet (BoardClass "pi-zero-2w").</summary>
    public const long PiZeroBudgetBytes = 24 * 1024;

    private const int Repetitions = 3;
    private const int BatchSize = 32;
    private const int Samples = 2000;

    /// <summary>
    /// The measured models: the smart-home MLP with hidden widths 256-128, the digits MLP, and a wide smart-home MLP
    /// (1024-512, 542,725 parameters: 2.1 MB of weights, so that the trainer's own buffers outweigh the runtime's pages).
    /// </summary>
    public static IReadOnlyList<string> Models { get; } = ["mlp-14-256-128-5", "mlp-64-32-10", "mlp-14-1024-512-5"];

    /// <param name="output">Where the per-model lines and the JSON go.</param>
    /// <param name="models">Models to measure instead of <see cref="Models"/> (e.g. a wider smart-home MLP).</param>
    public static async Task<int> RunAsync(TextWriter output, IReadOnlyList<string>? models = null)
    {
        var result = await MeasureAsync(output, models).ConfigureAwait(false);
        output.WriteLine(result.ToJsonString());
        return 0;
    }

    /// <summary>All models, dense vs subset (at the share of coordinates the pi-zero-2w budget gives the digits MLP, and at 10 %), alternating.</summary>
    public static async Task<JsonObject> MeasureAsync(TextWriter log, IReadOnlyList<string>? names = null)
    {
        var models = new JsonObject();
        foreach (string name in names ?? Models)
        {
            var architecture = ModelArchitecture.Parse(name);
            string directory = Directory.CreateTempSubdirectory("fededge-ftte-memory-").FullName;
            string cold = Directory.CreateTempSubdirectory("fededge-ftte-memory-cold-").FullName;
            try
            {
                double[] fractions = [BudgetFraction(), 0.10];
                var subsets = fractions.Select(f => ServerSubset(architecture, f)).ToArray();
                Prepare(architecture, subsets, directory);
                string[] files = [.. subsets.Select((subset, s) => WriteSubset(subset, Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"subset{s}.bin"))))];
                var dense = new List<Snapshot>();
                var bySubset = subsets.Select(_ => new List<Snapshot>()).ToArray();
                for (int r = 0; r < Repetitions; r++)
                {
                    dense.Add(await ChildAsync(name, "dense", directory, files[0]).ConfigureAwait(false));
                    for (int s = 0; s < subsets.Length; s++)
                    {
                        bySubset[s].Add(await ChildAsync(name, "subset", directory, files[s]).ConfigureAwait(false));
                    }
                }

                var sessions = new JsonObject();
                string artifacts = Path.Combine(directory, "artifacts");
                var sets = Directory.GetDirectories(artifacts).Where(d => Path.GetFileName(d) != "subsets")
                    .Concat(Directory.GetDirectories(Path.Combine(artifacts, "subsets")));
                foreach (string set in sets)
                {
                    foreach (string graph in Directory.GetFiles(set, "*.onnx").Order(StringComparer.Ordinal))
                    {
                        sessions[Path.GetFileName(set) + "/" + Path.GetFileName(graph)] = await SessionChildAsync(name, directory, graph).ConfigureAwait(false);
                    }
                }

                var coldRun = await ChildAsync(name, "subset", cold, files[0]).ConfigureAwait(false);
                var denseMedian = Median(dense);
                var denseWarm = Median([.. dense.Select(d => d.Warm!)]);
                var denseJson = denseMedian.ToJson();
                denseJson["warm"] = denseWarm.ToJson();
                var entry = new JsonObject
                {
                    ["parameters"] = architecture.Layout.TotalLength,
                    ["dense"] = denseJson,
                };
                for (int s = 0; s < subsets.Length; s++)
                {
                    var median = Median(bySubset[s]);
                    var warm = Median([.. bySubset[s].Select(d => d.Warm!)]);
                    double less = 1 - ((double)median.PeakDeltaBytes / denseMedian.PeakDeltaBytes);
                    double lessWarm = 1 - ((double)warm.PeakDeltaBytes / denseWarm.PeakDeltaBytes);
                    var json = median.ToJson();
                    json["warm"] = warm.ToJson();
                    json["less_than_dense_warm"] = Math.Round(lessWarm, 3);
                    json["trainable"] = subsets[s].Count;
                    json["fraction"] = Math.Round((double)subsets[s].Count / architecture.Layout.TotalLength, 4);
                    json["less_than_dense"] = Math.Round(less, 3);
                    json["budget_bytes"] = Budget(architecture, fractions[s]);
                    json["modelled_bytes"] = new TrainingMemoryModel().RequiredBytes(architecture.Layout, subsets[s]);
                    entry[string.Create(CultureInfo.InvariantCulture, $"budget_{fractions[s]:F2}")] = json;
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name}: dense {denseMedian.PeakDeltaBytes / 1024.0:F0} KiB, subset {subsets[s].Count} of {architecture.Layout.TotalLength} {median.PeakDeltaBytes / 1024.0:F0} KiB ({less:P1} less); warm {denseWarm.PeakDeltaBytes / 1024.0:F0} against {warm.PeakDeltaBytes / 1024.0:F0} KiB ({lessWarm:P1} less)"));
                }

                var coldJson = coldRun.ToJson();
                coldJson["note"] = "first contribution under a new subset: the cache is empty, the set is generated in the measured window";
                entry["subset_generated"] = coldJson;
                entry["session_load"] = sessions;
                models[name] = entry;
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
                Directory.Delete(cold, recursive: true);
            }
        }

        return new JsonObject { ["repetitions"] = Repetitions, ["models"] = models };
    }

    /// <summary>
    /// The child side: become a predicting device, then measure one contribution's training twice. First in a process
    /// where no training has run (the "FTTE" line: the first contribution after the agent starts, including the code the
    /// training path runs for the first time — JIT-compiled methods, framework assembly pages, the runtime library's
    /// kernels); then, after disposing that trainer and returning the freed heaps to the OS, once more with a freshly
    /// loaded trainer (the "WARM" line: the training's own memory — sessions, buffers, arena — with the code resident).
    /// </summary>
    public static int Child(string model, string mode, string directory, string subsetFile)
    {
        var architecture = ModelArchitecture.Parse(model);
        var data = Data(architecture);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1 };
        using var inference = OrtSessions.Open(Path.Combine(directory, ArtifactNames.InferenceModel), sessionOptions);
        using (var input = OrtValue.CreateTensorValueFromMemory(data.Row(0).ToArray(), [1, architecture.Inputs]))
        using (var runOptions = new RunOptions())
        using (var outputs = inference.Run(runOptions, [ArtifactNames.Features], [input], [ArtifactNames.Predictions]))
        {
        }

        var global = architecture.InitialParameters(new Random(0));
        int[] order = Enumerable.Range(0, data.Count).ToArray();
        new Random(1).Shuffle(order);
        // both modes read the subset (chosen by the parent, as a device gets it from the model message) before the
        // baseline, so their baselines hold the same objects and no server code has run in the child
        var assigned = ParameterSubset.For(architecture.Layout, MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(subsetFile)));
        var subset = mode == "dense" ? null : assigned;
        foreach (string line in new[] { "FTTE", "WARM" })
        {
            using var trainers = new LocalTrainers(Path.Combine(directory, "artifacts"));
            Console.WriteLine(line + " " + Contribution(trainers, architecture, subset, data, global, order));
        }

        return 0;
    }

    // One contribution's training measured from a clean baseline; the figures as the parent parses them.
    private static string Contribution(LocalTrainers trainers, ModelArchitecture architecture, ParameterSubset? subset, Dataset data, FedEdge.Core.Parameters.ParameterSet global, int[] order)
    {
        // an aggressive, compacting collection returns the free managed heap to the OS, and malloc_trim the free native
        // heap (a disposed trainer's): otherwise garbage stays resident and the trainer's buffers reuse it unseen
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _ = malloc_trim(0);
        var before = Probe();
        File.WriteAllText("/proc/self/clear_refs", "5");

        ILocalTrainer trainer = subset is null ? trainers.Get(architecture, false, BatchSize) : trainers.GetSubset(architecture, subset, BatchSize);
        var loaded = Probe();
        trainer.Parameters.CopyFrom(global);
        trainer.ResetOptimizer();
        float loss = 0;
        for (int start = 0; start + BatchSize <= order.Length; start += BatchSize)
        {
            loss = trainer.TrainStep(data, order.AsSpan(start, BatchSize), 0.05f);
        }

        var after = Probe();
        long peak = Status("VmHWM:");
        GC.KeepAlive(trainer);
        return string.Create(CultureInfo.InvariantCulture,
            $"{before.Rss} {peak} {after.Rss} {before.Native} {after.Native} {before.Managed} {after.Managed} {loaded.Rss} {loaded.Native} {before.Anon} {after.Anon} {loss}");
    }

    /// <summary>The model of <see cref="MeasureGradientCopiesAsync"/>: two 1024×1024 weight matrices.</summary>
    public const string CopiesModel = "mlp-14-1024-1024-1024-5";

    /// <summary>
    /// The measurement behind <see cref="TrainingMemoryModel"/>'s gradient-copy term. On <see cref="CopiesModel"/>, one
    /// contribution's memory (as in <see cref="MeasureAsync"/>) for three subsets that differ only in the large tensors
    /// they touch: none (every coordinate of the tensors under 100,000 elements: the first and last weights and all biases),
    /// one (plus 100 coordinates of the last 1024×1024 matrix) and two (plus 100 of the other). The backward pass runs down
    /// to the first layer in all three, so the differences are the large tensors' gradient copies. Median of three fresh
    /// children each, alternating.
    /// </summary>
    public static async Task<JsonObject> MeasureGradientCopiesAsync(TextWriter log)
    {
        var architecture = ModelArchitecture.Parse(CopiesModel);
        string directory = Directory.CreateTempSubdirectory("fededge-ftte-copies-").FullName;
        try
        {
            var subsets = Enumerable.Range(0, 3).Select(touched => CopiesSubset(architecture, touched)).ToArray();
            Prepare(architecture, subsets, directory);
            string[] files = [.. subsets.Select((subset, s) => WriteSubset(subset, Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"subset{s}.bin"))))];
            var runs = subsets.Select(_ => new List<Snapshot>()).ToArray();
            for (int r = 0; r < Repetitions; r++)
            {
                for (int touched = 0; touched < subsets.Length; touched++)
                {
                    runs[touched].Add(await ChildAsync(CopiesModel, "subset", directory, files[touched]).ConfigureAwait(false));
                }
            }

            var result = new JsonObject { ["model"] = CopiesModel, ["repetitions"] = Repetitions };
            for (int touched = 0; touched < subsets.Length; touched++)
            {
                var median = Median(runs[touched]);
                var json = median.ToJson();
                json["trainable"] = subsets[touched].Count;
                json["large_tensors_touched"] = touched;
                json["modelled_copy_bytes"] = TrainingMemoryModel.GradientCopyBytes(architecture.Layout, subsets[touched].Indices);
                result[string.Create(CultureInfo.InvariantCulture, $"large_{touched}")] = json;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{CopiesModel}, {touched} large tensors touched: peak {median.PeakDeltaBytes / 1024} KiB, anonymous {(median.AnonAfter - median.AnonBefore) / 1024} KiB"));
            }

            return result;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Every coordinate of the tensors under 100,000 elements, and 100 coordinates of each of the last <paramref name="largeTouched"/> larger ones.</summary>
    private static ParameterSubset CopiesSubset(ModelArchitecture architecture, int largeTouched)
    {
        var layout = architecture.Layout;
        var indices = new List<int>();
        int large = 0;
        for (int t = layout.Count - 1; t >= 0; t--)
        {
            int offset = layout.OffsetOf(t);
            int length = layout.Tensors[t].Length;
            if (length < 100_000)
            {
                indices.AddRange(Enumerable.Range(offset, length));
            }
            else if (large++ < largeTouched)
            {
                indices.AddRange(Enumerable.Range(0, 100).Select(i => offset + (i * (length / 100))));
            }
        }

        indices.Sort();
        return ParameterSubset.For(layout, [.. indices]);
    }

    /// <summary>The child side of the breakdown: a predicting device opens one graph with the trainer's session options.</summary>
    public static int SessionChild(string model, string directory, string graph)
    {
        var architecture = ModelArchitecture.Parse(model);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1 };
        using var inference = OrtSessions.Open(Path.Combine(directory, ArtifactNames.InferenceModel), sessionOptions);
        using (var input = OrtValue.CreateTensorValueFromMemory(new float[architecture.Inputs], [1, architecture.Inputs]))
        using (var runOptions = new RunOptions())
        using (var outputs = inference.Run(runOptions, [ArtifactNames.Features], [input], [ArtifactNames.Predictions]))
        {
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = Probe();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = OrtSessions.Open(graph, options);
        var after = Probe();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FTTE {after.Rss - before.Rss} {after.Anon - before.Anon} {after.Native - before.Native} {new FileInfo(graph).Length}"));
        return 0;
    }

    /// <summary>What the pi-zero-2w budget gives the digits MLP counted per coordinate (no tensor gradients): k / N = 746 / 2,410.</summary>
    private static double BudgetFraction()
    {
        var digits = ModelArchitecture.Parse("mlp-64-32-10");
        return (double)new TrainingMemoryModel().MaxTrainable(digits.Layout, PiZeroBudgetBytes) / digits.Layout.TotalLength;
    }

    /// <summary>
    /// The budget that holds the weights and fraction·N trainable coordinates at the memory model's per-coordinate cost
    /// (no tensor copies): what a board would give training, sized in coordinates.
    /// </summary>
    private static long Budget(ModelArchitecture architecture, double fraction) =>
        new TrainingMemoryModel().RequiredBytes(architecture.Layout, (int)Math.Round(fraction * architecture.Layout.TotalLength));

    /// <summary>
    /// The subset FTTE's server picks under <see cref="Budget"/> with no history yet (SubsetSelection: all importances 0,
    /// so the highest flat indices whose tensors' gradient copies fit too, and ρ = 10 % of the spare bytes explored), seeded.
    /// </summary>
    private static ParameterSubset ServerSubset(ModelArchitecture architecture, double fraction)
    {
        var memory = new TrainingMemoryModel();
        long budget = Budget(architecture, fraction);
        if (!SubsetSelection.TrySelect(architecture.Layout, budget, memory, new float[architecture.Layout.TotalLength], SubsetSelection.DefaultExplorationFraction, new Random(7), out var subset))
        {
            throw new InvalidOperationException("no subset fits");
        }

        return subset;
    }

    /// <summary>Writes the subset's indices (int32, little-endian as on every supported machine) for a child to read; returns the path.</summary>
    private static string WriteSubset(ParameterSubset subset, string path)
    {
        File.WriteAllBytes(path, MemoryMarshal.AsBytes(subset.Indices).ToArray());
        return path;
    }

    /// <summary>Generates the dense and subset sets and the inference model the children load, so no child measures generation unless asked.</summary>
    private static void Prepare(ModelArchitecture architecture, ParameterSubset[] subsets, string directory)
    {
        TrainingArtifactGenerator.ExportInferenceModel(architecture, architecture.InitialParameters(new Random(0)), Path.Combine(directory, ArtifactNames.InferenceModel));
        using var trainers = new LocalTrainers(Path.Combine(directory, "artifacts"), maxSubsetSets: subsets.Length);
        trainers.Get(architecture, false, BatchSize);
        foreach (var subset in subsets)
        {
            trainers.GetSubset(architecture, subset, BatchSize);
        }
    }

    private static Dataset Data(ModelArchitecture architecture)
    {
        if (architecture.Inputs == 64)
        {
            var raw = new CsvDatasetReader().Read(RepositoryDataFiles.Find(RepositoryDataFiles.DigitsFileName));
            return FeatureStandardization.Fit(raw).Apply(raw);
        }

        return SmartHomeSchema.Standardize(new SmartHomeActivityGenerator(3).GenerateHome(0, Samples));
    }

    private static async Task<Snapshot> ChildAsync(string model, string mode, string directory, string subsetFile)
    {
        if (mode == "subset" && !File.Exists(Path.Combine(directory, ArtifactNames.InferenceModel)))
        {
            // the cold run: only the inference model (the device has it), no artifacts
            var architecture = ModelArchitecture.Parse(model);
            TrainingArtifactGenerator.ExportInferenceModel(architecture, architecture.InitialParameters(new Random(0)), Path.Combine(directory, ArtifactNames.InferenceModel));
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { typeof(FtteDeviceMemory).Assembly.Location, "footprint-child", "ftte", model, mode, directory, subsetFile })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the FTTE memory child");
        string text = await child.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await child.WaitForExitAsync().ConfigureAwait(false);
        Snapshot Parse(string prefix)
        {
            string line = text.Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"the FTTE memory child ({model} {mode}) exited with {child.ExitCode}: {text}");
            long[] v = line[prefix.Length..].Split(' ')[..11].Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            return new Snapshot(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
        }

        return Parse("FTTE ") with { Warm = Parse("WARM ") };
    }

    private static async Task<JsonObject> SessionChildAsync(string model, string directory, string graph)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { typeof(FtteDeviceMemory).Assembly.Location, "footprint-child", "ftte-session", model, directory, graph })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the FTTE session child");
        string text = await child.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await child.WaitForExitAsync().ConfigureAwait(false);
        string line = text.Split('\n').SingleOrDefault(l => l.StartsWith("FTTE ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"the FTTE session child exited with {child.ExitCode}: {text}");
        long[] v = line[5..].Split(' ').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new JsonObject { ["rss_kib"] = v[0] / 1024, ["rss_anon_kib"] = v[1] / 1024, ["native_heap_kib"] = v[2] / 1024, ["file_bytes"] = v[3] };
    }

    private static Snapshot Median(IReadOnlyList<Snapshot> runs)
    {
        var sorted = runs.OrderBy(r => r.PeakDeltaBytes).ToList();
        return sorted[sorted.Count / 2];
    }

    private static (long Rss, long Native, long Managed, long Anon) Probe() =>
        (Status("VmRSS:"), NativeHeapInUse(), GC.GetTotalMemory(forceFullCollection: false), Status("RssAnon:"));

    /// <summary>A /proc/self/status field in bytes.</summary>
    private static long Status(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return 1024 * long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no {field} in /proc/self/status");
    }

    /// <summary>glibc's heap in use: small-block bytes allocated plus mmapped blocks (mallinfo2, glibc ≥ 2.33).</summary>
    private static long NativeHeapInUse()
    {
        var info = mallinfo2();
        return (long)(info.Uordblks + info.Hblkhd);
    }

#pragma warning disable SA1300, IDE1006 // the libc names
    [DllImport("libc", SetLastError = false)]
    private static extern MallInfo2 mallinfo2();

    [DllImport("libc", SetLastError = false)]
    private static extern int malloc_trim(nuint pad);
#pragma warning restore SA1300, IDE1006

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;
    }

    /// <summary>One child's figures, bytes.</summary>
    private sealed record Snapshot(
        long RssBefore,
        long PeakRss,
        long RssAfter,
        long NativeBefore,
        long NativeAfter,
        long ManagedBefore,
        long ManagedAfter,
        long RssLoaded,
        long NativeLoaded,
        long AnonBefore,
        long AnonAfter)
    {
        /// <summary>The same child's second contribution, with the code resident (null for a child that measured one).</summary>
        public Snapshot? Warm { get; init; }

        public long PeakDeltaBytes => PeakRss - RssBefore;

        public JsonObject ToJson() => new()
        {
            ["peak_rss_delta_kib"] = PeakDeltaBytes / 1024,
            ["rss_before_kib"] = RssBefore / 1024,
            ["rss_delta_after_load_kib"] = (RssLoaded - RssBefore) / 1024,
            ["rss_anon_delta_kib"] = (AnonAfter - AnonBefore) / 1024,
            ["rss_file_delta_kib"] = (RssAfter - RssBefore - (AnonAfter - AnonBefore)) / 1024,
            ["native_heap_delta_after_load_kib"] = (NativeLoaded - NativeBefore) / 1024,
            ["native_heap_delta_kib"] = (NativeAfter - NativeBefore) / 1024,
            ["managed_heap_delta_kib"] = (ManagedAfter - ManagedBefore) / 1024,
        };
    }
}
