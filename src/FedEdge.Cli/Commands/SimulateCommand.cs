using System.CommandLine;
using System.Globalization;
using FedEdge.Device.Contribution;
using FedEdge.Aggregation.Engine;
using FedEdge.Cli.Conventions;
using FedEdge.Cli.Data;
using FedEdge.Core.Codecs;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Reporting;
using FedEdge.Simulation.Results;
using FedEdge.Simulation.Running;
using FedEdge.Simulation.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace FedEdge.Cli.Commands;

/// <summary>
/// <c>fededge simulate</c>: a heterogeneous virtual fleet on a virtual clock, running the agent's
/// and the aggregator's code against a real MQTT broker (embedded by default), for one or more
/// strategies and seeds; prints progress and a summary table and writes a report directory.
/// </summary>
internal static class SimulateCommand
{
    /// <summary>Where the report goes without --out (relative to the working directory).</summary>
    public const string DefaultOutput = "simulation-results";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var preset = new Option<string>("--preset") { Description = "Start from a named option set: default or ftte-paper (digits, Dirichlet 0.3, 90 % stragglers, all strategies, seeds 0,1,2). Options given explicitly override it." };
        preset.AcceptOnlyFromAmong([.. SimulationPresets.Names]);
        var devices = new Option<int?>("--devices") { Description = "Fleet size (default 50; ftte-paper 100)." };
        var strategy = new Option<string?>("--strategy") { Description = "fedavg, fedbuff, ftte, all, or a comma-separated list (default ftte,fedavg)." };
        var codec = new Option<string?>("--codec") { Description = "Update codec of dense strategies: dense, float16, int8, topk, packed2, packed3 or packed4 (default float16; FTTE sends its sparse subset)." };
        var dp = new Option<string?>("--dp") { Description = "Differential privacy: none, sample (DP-SGD on the device), user (DP-FedAvg, noise on each device) or distributed (secure aggregation in groups of --buffer, each device adding its share of one discrete-Gaussian noise; fedbuff/ftte only) (default none)." };
        var epsilon = new Option<double?>("--epsilon") { Description = "Each device's privacy budget ε (default 8)." };
        var delta = new Option<double?>("--delta") { Description = "δ of the budget (default 1e-5)." };
        var contributions = new Option<int?>("--contributions-per-device") { Description = "With DP: the noise is set so that this many contributions spend ε (default 20)." };
        var checkInRate = new Option<double?>("--checkin-rate") { Description = "With --dp user or distributed: random check-ins — offered a round (a model version it has not been offered), a device joins with probability q and every offer is charged the subsampled Gaussian; the noise affords ⌈C/q⌉ offers for C = --contributions-per-device (default 1: no check-ins)." };
        var reoffer = new Option<string?>("--checkin-reoffer") { Description = "With --checkin-rate: how long a model version the coin declined must stay current before it is offered (and charged) again, e.g. 30m (default 30m)." };
        var target = new Option<double?>("--target-accuracy") { Description = "Accuracy whose first crossing is reported as time to target (default 0.80; ftte-paper 0.85)." };
        var maxTime = new Option<string?>("--max-time") { Description = "Simulated horizon, e.g. 12h, 90m, 2d (default 12h)." };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds, e.g. 0,1,2 (default 0)." };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Write summary.json, report.md and PNG plots here (default ./simulation-results)." };
        var dataset = new Option<string?>("--dataset") { Description = "synthetic (smart-home homes), digits, or a CSV file (label last) (default synthetic)." }
            .Must(text => !string.IsNullOrWhiteSpace(text), "synthetic, digits or a file path");
        var partition = new Option<string?>("--partition") { Description = "natural (one synthetic home per device), iid, or dirichlet:α (default natural; digits/file: dirichlet:0.3)." };
        var stragglers = new Option<double?>("--stragglers") { Description = "Fraction of devices ≥ 10× slower (default 0.2)." };
        var broker = new Option<string?>("--broker") { Description = "External broker, mqtts://host:port (or mqtt:// on loopback); default an embedded in-process broker." };
        var ca = new Option<FileInfo?>("--ca") { Description = "Fleet CA certificate for --broker mqtts://." }.ExistingFile();
        var credentials = new Option<DirectoryInfo?>("--credentials") { Description = "Directory with {device}.crt/.key for every device and aggregator.crt/.key, for --broker." }.ExistingDirectory();
        var personalize = new Option<string?>("--personalize") { Description = "Also evaluate personal models per device: auto (the agent's default: global, head, ditto λ ∈ {0.01, 0.1, 1} and local-only, chosen per device on its validation split), head (FedPer), ditto, local-only, or none (default none)." };
        var lambda = new Option<float?>("--lambda") { Description = "Ditto's proximal weight λ for --personalize ditto (default 0.1; auto tries 0.01, 0.1 and 1)." };
        var buffer = new Option<int?>("--buffer") { Description = "K: updates per server step for FedBuff and FTTE (default 10)." };
        var cohort = new Option<int?>("--clients-per-round") { Description = "FedAvg cohort size (default 10)." };
        var serverLr = new Option<double?>("--server-lr") { Description = "Server learning rate η_g (default 1)." };
        var robust = new Option<string?>("--robust") { Description = "How the aggregator pools a step: trimmed-mean (the aggregator's default, β = 0.1), median, or none (the weighted mean)." };
        var ftteSubsets = new Option<string?>("--ftte-subsets") { Description = "FTTE: per-class (default: a memory class whose budget holds the whole model trains all of it, the others the subset) or fleet (every device trains the subset, as in FTTE's paper)." };
        var overBudget = new Option<string?>("--over-budget") { Description = "A device told to train the whole model (fedavg, fedbuff, or an ftte class that trains densely) whose board's training budget cannot hold it: train (beyond the budget, as in FTTE's baselines) or sit-out (it still receives models but does not contribute) (default train)." };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Where device and aggregator state (ledgers, outboxes, SQLite) live during the run; default a temporary directory, on /dev/shm when available (the state is thrown away)." };
        var stopAtTarget = new Option<bool>("--stop-at-target") { Description = "End each run when it reaches the target accuracy." };
        var json = new Option<bool>("--json") { Description = "Print summary.json's object on stdout; progress and tables go to stderr." };
        var command = new Command("simulate", "Simulate a heterogeneous fleet learning together, on the real agent/aggregator code and an MQTT broker.")
        {
            preset, devices, strategy, codec, dp, epsilon, delta, contributions, checkInRate, reoffer, target, maxTime, seeds, outDir, dataset, partition, stragglers, broker, ca, credentials, personalize, lambda, buffer, cohort, serverLr, robust, ftteSubsets, overBudget, workDir, stopAtTarget, json,
        };

        command.OnlyWith(ca, broker);
        command.OnlyWith(credentials, broker);
        command.OnlyWith(lambda, personalize);
        command.OnlyWith(epsilon, dp);
        command.OnlyWith(delta, dp);
        command.OnlyWith(contributions, dp);
        command.OnlyWith(checkInRate, dp);
        command.OnlyWith(reoffer, checkInRate);

        command.SetAction(async (parse, cancellationToken) =>
        {
            // Everything the command line decides is checked here, before the broker starts or data loads.
            SimulationOptions options;
            try
            {
                var baseline = parse.GetValue(preset) == "ftte-paper" ? SimulationPresets.FttePaper() : new SimulationOptions();
                string? datasetText = parse.GetValue(dataset);
                var source = ResolveDigits(datasetText is null ? baseline.Dataset : DatasetSource.Parse(datasetText, digitsPath: null), RepositoryDataFiles.SearchStarts());
                string? partitionText = parse.GetValue(partition);
                var split = partitionText is not null ? PartitionSpec.Parse(partitionText)
                    : source.Kind != DatasetKind.Synthetic && baseline.Partition.Kind == PartitionKind.Natural ? PartitionSpec.Dirichlet(0.3) : baseline.Partition;
                string? brokerText = parse.GetValue(broker);
                options = baseline with
                {
                    Devices = parse.GetValue(devices) ?? baseline.Devices,
                    Strategies = parse.GetValue(strategy) is { } s ? ParseStrategies(s) : baseline.Strategies,
                    Codec = parse.GetValue(codec) is { } c ? ParseCodec(c) : baseline.Codec,
                    PackedBits = parse.GetValue(codec) is { } bitsText ? ParsePackedBits(bitsText) : baseline.PackedBits,
                    Privacy = parse.GetValue(dp) is { } d ? ParsePrivacy(d) : baseline.Privacy,
                    Epsilon = parse.GetValue(epsilon) ?? baseline.Epsilon,
                    Delta = parse.GetValue(delta) ?? baseline.Delta,
                    ContributionsPerDevice = parse.GetValue(contributions) ?? baseline.ContributionsPerDevice,
                    CheckInRate = parse.GetValue(checkInRate) ?? baseline.CheckInRate,
                    CheckInReofferAfter = parse.GetValue(reoffer) is { } ro ? ParseDuration(ro) : baseline.CheckInReofferAfter,
                    TargetAccuracy = parse.GetValue(target) ?? baseline.TargetAccuracy,
                    MaxTime = parse.GetValue(maxTime) is { } m ? ParseDuration(m) : baseline.MaxTime,
                    Seeds = parse.GetValue(seeds) is { } seedText ? ParseSeeds(seedText) : baseline.Seeds,
                    Dataset = source,
                    Partition = split,
                    StragglerFraction = parse.GetValue(stragglers) ?? baseline.StragglerFraction,
                    Broker = brokerText is null ? null : BrokerEndpoint.Parse(brokerText, parse.GetValue(ca)?.FullName, parse.GetValue(credentials)?.FullName),
                    StopAtTarget = parse.GetValue(stopAtTarget) || baseline.StopAtTarget,
                    Personalize = parse.GetValue(personalize) is { } p ? ParsePersonalization(p) : baseline.Personalize,
                    ProximalLambda = parse.GetValue(lambda) ?? baseline.ProximalLambda,
                    OutputDirectory = parse.GetValue(outDir)?.FullName ?? Path.GetFullPath(DefaultOutput),
                    WorkDirectory = parse.GetValue(workDir)?.FullName,
                    BufferSize = parse.GetValue(buffer) ?? baseline.BufferSize,
                    ClientsPerRound = parse.GetValue(cohort) ?? baseline.ClientsPerRound,
                    ServerLearningRate = parse.GetValue(serverLr) ?? baseline.ServerLearningRate,
                    Robust = parse.GetValue(robust) is { } r ? ParseRobust(r) : baseline.Robust,
                    FtteDenseWhereItFits = parse.GetValue(ftteSubsets) is { } f ? ParseFtteSubsets(f) : baseline.FtteDenseWhereItFits,
                    OverBudgetSitsOut = parse.GetValue(overBudget) is { } ob ? ParseOverBudget(ob) : baseline.OverBudgetSitsOut,
                };
                if (parse.GetValue(checkInRate) is not null && options.Privacy is not (ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed))
                {
                    throw new UsageException($"--checkin-rate needs --dp user or --dp distributed (was --dp {parse.GetValue(dp)}): random check-ins amplify the user-level release; without DP nothing is charged, and DP-SGD already samples its examples.");
                }

                options.Validate();
            }
            catch (FormatException ex)
            {
                throw new UsageException(ex.Message, ex);
            }
            catch (ArgumentException ex)
            {
                throw UsageException.From(ex);
            }

            CheckPaths(options);
            TextWriter human = parse.GetValue(json) ? error : output;
            var results = await Run(human, options, cancellationToken).ConfigureAwait(false);
            WriteTable(human, options, results);
            var summary = SimulationSummary.Create(SummaryOptions.From(options), results);
            if (options.OutputDirectory is { } directory)
            {
                foreach (string file in SimulationReport.WriteAll(directory, summary, Notes(options)))
                {
                    await human.WriteLineAsync($"wrote {file}").ConfigureAwait(false);
                }
            }

            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(SummaryJson.Serialize(summary)).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<IReadOnlyList<RunResult>> Run(TextWriter output, SimulationOptions options, CancellationToken cancellationToken)
    {
        var console = Console(output);
        console.MarkupLine($"[bold]fededge simulate[/]: {Markup.Escape(options.Describe())}");
        console.MarkupLine($"strategies {string.Join(", ", options.Strategies.Select(FleetSimulation.Name))}; seeds {string.Join(",", options.Seeds)}; broker {Markup.Escape(options.Broker?.ToString() ?? "embedded (in-process, loopback)")}");
        foreach (string advisory in options.Advisories())
        {
            console.MarkupLine($"[yellow]note[/]: {Markup.Escape(advisory)}");
        }

        if (!console.Profile.Capabilities.Interactive)
        {
            var plain = new PlainProgress(output);
            return await SimulationRunner.RunAllAsync(options, plain, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<RunResult> results = [];
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<(string, int), ProgressTask>();
                var progress = new CallbackProgress(p =>
                {
                    if (!tasks.TryGetValue((p.Strategy, p.Seed), out var task))
                    {
                        task = tasks[(p.Strategy, p.Seed)] = context.AddTask(p.Strategy, maxValue: p.MaxHours);
                    }

                    task.Value = p.Hours;
                    task.Description = Markup.Escape(Line(p));
                });
                results = await SimulationRunner.RunAllAsync(options, progress, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return results;
    }

    internal static string Line(SimulationProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Strategy,-7} seed {p.Seed}  t={p.Hours,5:F1}/{p.MaxHours:F0} h  v{p.Version,-4}  acc {p.Accuracy:P1}  up {p.UploadBytes / 1e6:F2} MB  ε≤{p.MaxEpsilon:F2}");

    private static void WriteTable(TextWriter output, SimulationOptions options, IReadOnlyList<RunResult> results)
    {
        var console = Console(output);
        var table = new Table().Title("results").AddColumns("strategy", "seed", $"time to {options.TargetAccuracy:P0} (h)", "final acc", "best acc", "versions", "upload (MB)", "train mem, smallest board (KiB)", "accepted", "interrupted");
        bool dp = options.Privacy != ContributionPrivacy.None;
        if (dp)
        {
            table.AddColumns("ε mean / max (models)", "ε mean / max (aggregator)");
        }

        foreach (var r in results)
        {
            string[] epsilon = dp
                ? [string.Create(CultureInfo.InvariantCulture, $"{r.MeanEpsilon:F2} / {r.MaxEpsilon:F2}"), string.Create(CultureInfo.InvariantCulture, $"{r.MeanEpsilonAgainstAggregator:F2} / {r.MaxEpsilonAgainstAggregator:F2}")]
                : [];
            table.AddRow([
                r.Strategy,
                r.Seed.ToString(CultureInfo.InvariantCulture),
                r.HoursToTarget is { } h ? h.ToString("F2", CultureInfo.InvariantCulture) : "not reached",
                r.FinalAccuracy.ToString("P1", CultureInfo.InvariantCulture),
                r.BestAccuracy.ToString("P1", CultureInfo.InvariantCulture),
                r.FinalVersion.ToString(CultureInfo.InvariantCulture),
                (r.UploadBytes / 1e6).ToString("F2", CultureInfo.InvariantCulture),
                (r.PeakTrainingMemoryBytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture),
                r.AcceptedUpdates.ToString(CultureInfo.InvariantCulture),
                r.InterruptedRuns.ToString(CultureInfo.InvariantCulture),
                .. epsilon]);
        }

        console.Write(table);
        WritePrivacyTables(console, results);
        if (results.Any(r => r.Personalization is not null))
        {
            var personal = new Table().Title("per-device accuracy on each device's own held-out samples (median / 10th percentile)")
                .AddColumns("strategy", "seed", "mode", "global", "personal", "local only", "served", "served < global − 1 pt", "served < best − 1 pt", "served (devices)");
            foreach (var r in results.Where(r => r.Personalization is not null))
            {
                var p = r.Personalization!;
                personal.AddRow(r.Strategy, r.Seed.ToString(CultureInfo.InvariantCulture), p.Mode, Quantiles(p.Global), Quantiles(p.Personal), Quantiles(p.LocalOnly), Quantiles(p.Served),
                    PersonalizationStatistics.ServedWorseShare(p).ToString("P1", CultureInfo.InvariantCulture),
                    PersonalizationStatistics.ServedBelowBestShare(p).ToString("P1", CultureInfo.InvariantCulture),
                    Markup.Escape(PersonalizationStatistics.ServedCountsText(p)));
            }

            console.Write(personal);
        }

        console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"wall time {results.Sum(r => r.WallSeconds):F1} s"));
    }

    /// <summary>With DP: ε over simulated time for both observers; with --dp distributed: groups, dropouts and the noise on the aggregate.</summary>
    private static void WritePrivacyTables(IAnsiConsole console, IReadOnlyList<RunResult> results)
    {
        var secure = results.Where(r => r.SecureAggregation is not null).ToArray();
        if (secure.Length > 0)
        {
            var table = new Table().Title("secure aggregation (distributed discrete Gaussian)")
                .AddColumns("strategy", "seed", "z", "n / n_min", "groups formed", "released", "abandoned (forming)", "refused msgs", "dropout: released / formed", "noise per coord. on the mean", "secagg upload (MB)");
            foreach (var r in secure)
            {
                var a = r.SecureAggregation!;
                table.AddRow(
                    r.Strategy,
                    r.Seed.ToString(CultureInfo.InvariantCulture),
                    string.Create(CultureInfo.InvariantCulture, $"{r.NoiseMultiplier:F3}"),
                    string.Create(CultureInfo.InvariantCulture, $"{a.GroupSize} / {a.MinimumSurvivors}"),
                    a.GroupsFormed.ToString(CultureInfo.InvariantCulture),
                    a.GroupsReleased.ToString(CultureInfo.InvariantCulture),
                    string.Create(CultureInfo.InvariantCulture, $"{a.GroupsAbandoned} ({a.GroupsAbandonedForming})"),
                    a.Refused.ToString(CultureInfo.InvariantCulture),
                    string.Create(CultureInfo.InvariantCulture, $"{a.DropoutRateReleased:P1} / {a.DropoutRateFormed:P1}"),
                    a.NoisePerCoordinate.ToString("G3", CultureInfo.InvariantCulture),
                    (a.UploadBytes / 1e6).ToString("F2", CultureInfo.InvariantCulture));
            }

            console.Write(table);
        }

        var timed = results.Where(r => r.PrivacyTimeline.Count > 0).ToArray();
        if (timed.Length == 0)
        {
            return;
        }

        // about six rows, at the same sample indices for every run (all runs of one invocation share the horizon)
        int points = timed.Min(r => r.PrivacyTimeline.Count);
        int[] rows = [.. Enumerable.Range(0, 7).Select(i => (int)Math.Round(i * (points - 1) / 6.0)).Distinct()];
        var over = new Table().Title("ε per device over time: mean / max against models · against the aggregator").AddColumn("hours");
        foreach (var r in timed)
        {
            over.AddColumn(string.Create(CultureInfo.InvariantCulture, $"{r.Strategy} seed {r.Seed}"));
        }

        foreach (int i in rows)
        {
            over.AddRow([
                timed[0].PrivacyTimeline[i].Hours.ToString("F1", CultureInfo.InvariantCulture),
                .. timed.Select(r => r.PrivacyTimeline[i]).Select(p => string.Create(CultureInfo.InvariantCulture,
                    $"{p.MeanEpsilon:F2} / {p.MaxEpsilon:F2} · {p.MeanEpsilonAgainstAggregator:F2} / {p.MaxEpsilonAgainstAggregator:F2}"))]);
        }

        console.Write(over);
    }

    /// <summary>What the report must say about how the figures were obtained.</summary>
    internal static IReadOnlyList<string> Notes(SimulationOptions options) =>
    [
        "Measured: accuracy (pooled test set, ONNX Runtime), upload bytes (ModelUpdate messages as received by the aggregator over MQTT), accepted/rejected updates, staleness, ε from each device's privacy ledger.",
        .. CheckInNotes(options),
        "Simulated: time. Local training runs for real, but its duration is sample·epochs ÷ (board throughput × device speed factor) + 2 s; uploads take latency + bytes ÷ board uplink. Devices train only inside daily idle-and-charging windows (or always, on mains).",
        "Modelled, not measured: training memory. It is the FTTE server's TrainingMemoryModel for the trainable set each device was given (FTTE: the subset under the smallest board's budget, with the gradient copies of the tensors it touches; others: all parameters). A device given a subset trains only that subset (frozen tensors are inputs of its training graph) and sends only the subset (under secure aggregation the masked vector stays dense); the benchmark footprint-ftte measures that memory.",
        string.Create(CultureInfo.InvariantCulture, $"Board budgets and throughputs: {string.Join("; ", options.Boards.Select(b => $"{b.Name} {b.Share:P0} of the fleet, {b.TrainingBudgetBytes / 1024} KiB, {b.SamplesPerSecond:G3} samples/s"))}."),
        "FedAvg samples each cohort from the devices whose last status says they can train (not waiting for power); cohort members that are online get the pace message at once, the others at their next check-in; a round closes when all cohort updates arrived, or at the deadline with at least half of them.",
    ];

    private static IEnumerable<string> CheckInNotes(SimulationOptions options)
    {
        if (options.Privacy == ContributionPrivacy.Distributed)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Distributed DP: every device trains, hands its raw update to its secure-aggregation participant (the agent's), which clips it to S = {options.ClipNorm:G3}, encodes it with its share of the discrete Gaussian and masks it; devices in a group keep an MQTT session on their inbox (secagg-inbox/{{device}}) and publish on secagg/{{device}}; the aggregator's node forms groups of n = --buffer = {options.BufferSize} for one model version and releases only the unmasked sum. An inbox message reaches a device one network latency after it was published; a device outside its idle-and-charging window at that moment does not receive it (a dropout), and each delivery is lost with --loss probability. z is calibrated with the discrete accountant so that {options.OfferedRounds} offers at q = {options.CheckInRate:G3} spend ε; the noise per coordinate on the mean is γ·σ/√survivors (rounding excluded). Upload bytes include every secagg message a device sent.");
        }


        if (options.Privacy is ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed && options.CheckInRate < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Random check-ins at q = {options.CheckInRate:G3}: every model version a device was offered while eligible is charged the subsampled Gaussian (q, z = {options.UserLevelNoiseMultiplier(new FedEdge.Core.Privacy.RdpAccountant()):F3}, one step), the coin's \"no\" included; z affords {options.OfferedRounds} offers. ε (models) is that charge; ε (aggregator) counts the rounds joined, unamplified, because the aggregator sees who sent.");
        }
    }

    private static string Quantiles(IReadOnlyList<double?> values) => values.All(v => v is null)
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{PersonalizationStatistics.Quantile(values, 0.5):P1} / {PersonalizationStatistics.Quantile(values, 0.1):P1}");

    private static IAnsiConsole Console(TextWriter output)
    {
        bool terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 160; // a log file or a test: don't wrap the table at 80 columns
        }

        return console;
    }

    /// <summary>
    /// The paths the run will read and write, checked before it starts: a missing data file, or an
    /// output that turns out unwritable after hours of simulation, is a usage error, not a late failure.
    /// </summary>
    private static void CheckPaths(SimulationOptions options)
    {
        if (options.Dataset is { Kind: DatasetKind.File, Path: { } file } && !File.Exists(file))
        {
            throw new UsageException($"--dataset {file}: no such file (give synthetic, digits, or the path of a .csv or .csv.gz file).");
        }

        if (options.OutputDirectory is { } output)
        {
            OutputDirectory.EnsureWritable("--out", output);
        }

        if (options.WorkDirectory is { } work)
        {
            OutputDirectory.EnsureWritable("--work-dir", work);
        }
    }

    /// <summary>
    /// Gives the digits source the path of the repository's data/digits.csv.gz, searched for only
    /// when digits are asked for (a synthetic run needs no clone).
    /// </summary>
    /// <exception cref="FormatException">Digits were asked for and the file is not there; the message says where it was looked for.</exception>
    internal static DatasetSource ResolveDigits(DatasetSource source, IReadOnlyList<string> starts)
    {
        if (source.Kind != DatasetKind.Digits || source.Path is not null)
        {
            return source;
        }

        return source with
        {
            Path = RepositoryDataFiles.TryFind(RepositoryDataFiles.DigitsFileName, starts)
                ?? throw new FormatException($"--dataset digits: {RepositoryDataFiles.NotFoundMessage(RepositoryDataFiles.DigitsFileName, starts)}."),
        };
    }

    internal static IReadOnlyList<StrategyKind> ParseStrategies(string text)
    {
        var list = new List<StrategyKind>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "all":
                    list.AddRange([StrategyKind.FedAvg, StrategyKind.FedBuff, StrategyKind.Ftte]);
                    break;
                case "fedavg":
                    list.Add(StrategyKind.FedAvg);
                    break;
                case "fedbuff":
                    list.Add(StrategyKind.FedBuff);
                    break;
                case "ftte":
                    list.Add(StrategyKind.Ftte);
                    break;
                default:
                    throw new FormatException($"--strategy '{part}' is not fedavg, fedbuff, ftte or all.");
            }
        }

        return list.Count == 0 ? throw new FormatException("--strategy is empty.") : list.Distinct().ToArray();
    }

    internal static UpdateEncoding ParseCodec(string text) => text.ToLowerInvariant() switch
    {
        "dense" or "float32" => UpdateEncoding.DenseFloat32,
        "float16" => UpdateEncoding.Float16,
        "int8" => UpdateEncoding.Int8Stochastic,
        "topk" => UpdateEncoding.TopKSparse,
        "packed2" or "packed3" or "packed4" => UpdateEncoding.PackedStochastic,
        _ => throw new FormatException($"--codec '{text}' is not dense, float16, int8, topk, packed2, packed3 or packed4."),
    };

    /// <summary>The bit width of a packedN codec name; 3 for any other.</summary>
    internal static int ParsePackedBits(string text) => text.ToLowerInvariant() switch
    {
        "packed2" => 2,
        "packed4" => 4,
        _ => 3,
    };

    internal static ContributionPrivacy ParsePrivacy(string text) => text.ToLowerInvariant() switch
    {
        "none" => ContributionPrivacy.None,
        "sample" => ContributionPrivacy.SampleLevel,
        "user" => ContributionPrivacy.UserLevel,
        "distributed" => ContributionPrivacy.Distributed,
        _ => throw new FormatException($"--dp '{text}' is not none, sample, user or distributed."),
    };

    internal static FedEdge.Device.Personalization.PersonalizationMode ParsePersonalization(string text) => text.ToLowerInvariant() switch
    {
        "none" => FedEdge.Device.Personalization.PersonalizationMode.None,
        "head" => FedEdge.Device.Personalization.PersonalizationMode.Head,
        "ditto" => FedEdge.Device.Personalization.PersonalizationMode.Ditto,
        "local-only" => FedEdge.Device.Personalization.PersonalizationMode.LocalOnly,
        "auto" => FedEdge.Device.Personalization.PersonalizationMode.Auto,
        _ => throw new FormatException($"--personalize '{text}' is not none, auto, head, ditto or local-only."),
    };

    internal static RobustKind ParseRobust(string text) => text.ToLowerInvariant() switch
    {
        "none" => RobustKind.None,
        "median" => RobustKind.Median,
        "trimmed-mean" => RobustKind.TrimmedMean,
        _ => throw new FormatException($"--robust '{text}' is not trimmed-mean, median or none."),
    };

    internal static bool ParseFtteSubsets(string text) => text.ToLowerInvariant() switch
    {
        "per-class" => true,
        "fleet" => false,
        _ => throw new FormatException($"--ftte-subsets '{text}' is not per-class or fleet."),
    };

    internal static TimeSpan ParseDuration(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t.Length > 1 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0)
        {
            switch (t[^1])
            {
                case 'd':
                    return TimeSpan.FromDays(value);
                case 'h':
                    return TimeSpan.FromHours(value);
                case 'm':
                    return TimeSpan.FromMinutes(value);
                case 's':
                    return TimeSpan.FromSeconds(value);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new FormatException($"--max-time '{text}' is not a duration like 12h, 90m, 2d or 01:30:00.");
    }

    internal static bool ParseOverBudget(string text) => text.ToLowerInvariant() switch
    {
        "train" => false,
        "sit-out" => true,
        _ => throw new FormatException($"--over-budget '{text}' is not train or sit-out."),
    };

    internal static IReadOnlyList<int> ParseSeeds(string text)
    {
        var seeds = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            seeds.Add(int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ? seed : throw new FormatException($"--seeds: '{part}' is not an integer."));
        }

        return seeds.Count == 0 ? throw new FormatException("--seeds is empty.") : seeds.Distinct().ToArray();
    }

    /// <summary>Progress for a redirected output: one line per strategy and seed every simulated hour.</summary>
    private sealed class PlainProgress(TextWriter output) : IProgress<SimulationProgress>
    {
        private (string, int) _current;
        private int _hour = -1;

        public void Report(SimulationProgress value)
        {
            if (_current != (value.Strategy, value.Seed))
            {
                _current = (value.Strategy, value.Seed);
                _hour = -1;
            }

            int hour = (int)value.Hours;
            if (hour > _hour || value.Hours >= value.MaxHours)
            {
                _hour = hour;
                output.WriteLine(Line(value));
            }
        }
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder updates).</summary>
    private sealed class CallbackProgress(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => report(value);
    }
}
