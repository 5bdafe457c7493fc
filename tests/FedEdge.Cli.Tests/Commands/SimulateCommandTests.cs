using System.Text.Json;
using FedEdge.Cli.Commands;

namespace FedEdge.Cli.Tests.Commands;

public class SimulateCommandTests
{
    [Theory]
    [InlineData("--strategy", "fedsgd", "--strategy 'fedsgd'")]
    [InlineData("--codec", "zip", "--codec 'zip'")]
    [InlineData("--dp", "local", "--dp 'local'")]
    [InlineData("--robust", "krum", "--robust 'krum'")]
    [InlineData("--ftte-subsets", "some", "--ftte-subsets 'some'")]
    [InlineData("--over-budget", "skip", "--over-budget 'skip'")]
    [InlineData("--max-time", "soon", "--max-time 'soon'")]
    [InlineData("--seeds", "1,x", "'x' is not an integer")]
    [InlineData("--partition", "dirichlet:0", "dirichlet:0")]
    [InlineData("--devices", "0", "--devices must be in 1..10000")]
    [InlineData("--broker", "http://127.0.0.1:1883", "is not mqtts://host:port")]
    [InlineData("--broker", "mqtt://192.0.2.1:1883", "only allowed to a loopback address")]
    [InlineData("--broker", "mqtts://127.0.0.1:8883", "needs --ca")]
    public async Task A_bad_option_is_refused_with_exit_code_2_and_a_message_naming_it(string option, string value, string expected)
    {
        var run = await CliRun.InvokeAsync("simulate", option, value);
        run.AssertRefused(option);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("packed2", 2)]
    [InlineData("packed3", 3)]
    [InlineData("PACKED4", 4)]
    public void A_packed_codec_name_gives_the_packed_encoding_and_its_width(string name, int bits)
    {
        Assert.Equal(FedEdge.Core.Codecs.UpdateEncoding.PackedStochastic, SimulateCommand.ParseCodec(name));
        Assert.Equal(bits, SimulateCommand.ParsePackedBits(name));
    }

    [Theory]
    [InlineData("train", false)]
    [InlineData("Sit-Out", true)]
    public void An_over_budget_name_gives_whether_such_a_board_sits_out(string name, bool sitsOut) =>
        Assert.Equal(sitsOut, SimulateCommand.ParseOverBudget(name));

    [Theory]
    [InlineData("none", FedEdge.Aggregation.Engine.RobustKind.None)]
    [InlineData("median", FedEdge.Aggregation.Engine.RobustKind.Median)]
    [InlineData("Trimmed-Mean", FedEdge.Aggregation.Engine.RobustKind.TrimmedMean)]
    public void A_robust_name_gives_its_pooling(string name, FedEdge.Aggregation.Engine.RobustKind expected) =>
        Assert.Equal(expected, SimulateCommand.ParseRobust(name));

    [Theory]
    [InlineData("per-class", true)]
    [InlineData("Fleet", false)]
    public void An_ftte_subsets_name_says_whether_classes_that_hold_the_model_train_dense(string name, bool expected) =>
        Assert.Equal(expected, SimulateCommand.ParseFtteSubsets(name));

    [Theory]
    [InlineData("--out")]
    [InlineData("--work-dir")]
    public async Task An_unwritable_directory_is_refused_before_the_run_starts(string flag)
    {
        using var dir = new TempDirectory();
        string file = dir.WriteText("a-file", "not a directory");
        string target = Path.Combine(file, "sub");

        var run = await CliRun.InvokeAsync("simulate", "--devices", "2", "--max-time", "10m", flag, target);

        // AssertRefused also checks stdout is empty: the run prints its header before anything else.
        run.AssertRefused($"{flag} {target}");
    }

    [Fact]
    public async Task An_out_under_proc_is_refused_with_one_line_and_no_stack_trace()
    {
        var run = await CliRun.InvokeAsync("simulate", "--devices", "2", "--max-time", "10m", "--out", "/proc/fededge-simulation");

        run.AssertRefused("--out /proc/fededge-simulation");
    }

    [Fact]
    public async Task A_missing_data_file_is_refused_before_the_run_starts()
    {
        var run = await CliRun.InvokeAsync("simulate", "--devices", "2", "--max-time", "10m", "--dataset", "/nonexistent/homes.csv");

        run.AssertRefused("--dataset /nonexistent/homes.csv");
    }

    [Theory]
    [InlineData("--ca", "ca.crt", "--broker")]
    [InlineData("--epsilon", "3", "--dp")]
    [InlineData("--lambda", "0.2", "--personalize")]
    public async Task An_option_that_only_matters_with_another_is_refused_when_that_one_is_absent(string flag, string value, string needed)
    {
        var run = await CliRun.InvokeAsync("simulate", flag, value);

        run.AssertRefused($"{flag} has no effect without {needed}");
    }

    [Theory]
    [InlineData("none")]
    [InlineData("sample")]
    public async Task A_check_in_rate_without_user_level_DP_is_refused_saying_it_needs_dp_user(string dp)
    {
        var run = await CliRun.InvokeAsync("simulate", "--dp", dp, "--checkin-rate", "0.1");

        run.AssertRefused("--checkin-rate needs --dp user");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public async Task A_check_in_rate_outside_zero_to_one_is_refused(string rate)
    {
        var run = await CliRun.InvokeAsync("simulate", "--dp", "user", "--checkin-rate", rate);

        run.AssertRefused("--checkin-rate must be in (0, 1]");
    }

    [Fact]
    public async Task A_check_in_rate_without_dp_is_refused()
    {
        var run = await CliRun.InvokeAsync("simulate", "--checkin-rate", "0.5");

        run.AssertRefused("--checkin-rate has no effect without --dp");
    }

    [Fact]
    public async Task A_small_simulation_with_check_ins_echoes_q_and_reports_epsilon_for_both_observers()
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "out");

        var run = await CliRun.InvokeAsync(
            "simulate", "--devices", "6", "--max-time", "3h", "--strategy", "fedbuff", "--buffer", "2", "--dp", "user", "--epsilon", "3", "--delta", "1e-6",
            "--checkin-rate", "0.5", "--seeds", "2", "--out", output, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("check-in q=0.5 (z=", run.Error, StringComparison.Ordinal);
        Assert.Contains("(aggregator)", run.Error, StringComparison.Ordinal); // the table's column (wrapped)
        var summary = FedEdge.Simulation.Reporting.SummaryJson.Deserialize(run.Output);
        Assert.Equal(0.5, summary.Options.CheckInRate);
        Assert.Equal(40, summary.Options.OfferedRounds); // ⌈20 contributions / 0.5⌉
        var result = Assert.Single(summary.Runs);
        Assert.Equal(summary.Options.NoiseMultiplier, result.NoiseMultiplier);
        Assert.Equal(6, result.EpsilonPerDevice.Count);
        Assert.Equal(6, result.EpsilonAgainstAggregatorPerDevice.Count);
        Assert.True(result.AcceptedUpdates > 0);
        Assert.All(result.EpsilonPerDevice, e => Assert.InRange(e, 0, 3));
        Assert.True(result.MaxEpsilon > 0);

        // every accepted update is a joined round, counted unamplified against the aggregator
        Assert.True(result.MaxEpsilonAgainstAggregator > 0);
        using var json = JsonDocument.Parse(run.Output);
        var first = json.RootElement.GetProperty("runs")[0];
        Assert.Equal(result.MeanEpsilonAgainstAggregator, first.GetProperty("meanEpsilonAgainstAggregator").GetDouble());
    }

    [Theory]
    [InlineData("fedavg")]
    [InlineData(null)] // the default strategies, ftte and fedavg
    public async Task Distributed_DP_with_FedAvg_is_refused_at_start_with_the_reason(string? strategy)
    {
        string[] args = strategy is null ? ["simulate", "--dp", "distributed"] : ["simulate", "--dp", "distributed", "--strategy", strategy];

        var run = await CliRun.InvokeAsync(args);

        run.AssertRefused("--dp distributed runs with --strategy fedbuff or ftte");
    }

    [Fact]
    public async Task A_small_distributed_simulation_reports_its_groups_the_noise_on_the_mean_and_epsilon_over_time()
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "out");

        var run = await CliRun.InvokeAsync(
            "simulate", "--devices", "30", "--max-time", "4h", "--strategy", "fedbuff", "--buffer", "10", "--dp", "distributed", "--epsilon", "30", "--delta", "1e-6",
            "--contributions-per-device", "10", "--seeds", "1", "--out", output, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("secure aggregation (distributed discrete Gaussian)", run.Error, StringComparison.Ordinal);
        Assert.Contains("ε per device over time", run.Error, StringComparison.Ordinal);
        var summary = FedEdge.Simulation.Reporting.SummaryJson.Deserialize(run.Output);
        Assert.Equal("Distributed", summary.Options.Dp);
        var result = Assert.Single(summary.Runs);
        var secAgg = Assert.IsType<FedEdge.Simulation.Results.SecureAggregationResult>(result.SecureAggregation);
        Assert.True(secAgg.GroupsReleased > 0, run.Error);
        Assert.Equal(secAgg.GroupsReleased + 1, result.FinalVersion);
        Assert.True(secAgg.NoisePerCoordinate > 0);
        Assert.Equal(summary.Options.NoiseMultiplier, result.NoiseMultiplier);
        Assert.All(result.EpsilonPerDevice, e => Assert.InRange(e, 0, 30));
        Assert.True(result.PrivacyTimeline.Count >= 5); // hourly over 4 h, and at the end
        Assert.Equal(result.MaxEpsilon, result.PrivacyTimeline[^1].MaxEpsilon);
        Assert.True(File.Exists(Path.Combine(output, "summary.json")));
    }

    [Fact]
    public async Task A_missing_ca_certificate_is_refused_naming_the_flag()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.InvokeAsync("simulate", "--broker", "mqtts://127.0.0.1:8883", "--ca", "/nonexistent/ca.crt", "--credentials", dir.Path);

        run.AssertRefused("--ca");
    }

    [Fact]
    public async Task A_malformed_data_file_is_bad_input_exit_2_naming_file_and_line()
    {
        using var dir = new TempDirectory();
        string data = dir.WriteText("homes.csv", "1,2,0\n3,x,1\n");

        var run = await CliRun.InvokeAsync("simulate", "--devices", "2", "--max-time", "10m", "--dataset", data, "--out", Path.Combine(dir.Path, "out"));

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.Contains("homes.csv", line, StringComparison.Ordinal);
        Assert.Contains("line 2", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_prints_the_summary_json_object_on_stdout_and_the_tables_on_stderr()
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "out");

        var run = await CliRun.InvokeAsync("simulate", "--devices", "4", "--max-time", "30m", "--strategy", "fedbuff,ftte", "--seeds", "1,2", "--out", output, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var printed = FedEdge.Simulation.Reporting.SummaryJson.Deserialize(run.Output);
        Assert.Equal(4, printed.Runs.Count);
        Assert.Equal(["fedbuff", "ftte"], printed.Strategies.Select(s => s.Strategy));
        Assert.Equal([1, 2], printed.Options.Seeds);
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(output, "summary.json"), TestContext.Current.CancellationToken),
            run.Output.ReplaceLineEndings("\n"));
        Assert.Contains("results", run.Error, StringComparison.Ordinal);
        Assert.Contains("wrote ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_small_simulation_prints_its_results_and_writes_the_report_directory()
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "out");
        var run = await CliRun.InvokeAsync("simulate", "--devices", "6", "--max-time", "90m", "--strategy", "ftte,fedavg", "--seeds", "3", "--out", output);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("ftte", run.Output, StringComparison.Ordinal);
        Assert.Contains("fedavg", run.Output, StringComparison.Ordinal);
        foreach (string file in new[] { "summary.json", "report.md", "accuracy.png", "upload.png", "staleness.png", "participation.png" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "summary.json"), TestContext.Current.CancellationToken));
        Assert.Equal(2, summary.RootElement.GetProperty("runs").GetArrayLength());
        Assert.Equal(6, summary.RootElement.GetProperty("options").GetProperty("devices").GetInt32());
    }

    [Theory]
    [InlineData("12h", 12 * 60)]
    [InlineData("90m", 90)]
    [InlineData("2d", 48 * 60)]
    [InlineData("01:30:00", 90)]
    public void Durations_read_in_hours_minutes_days_or_as_a_time_span(string text, double minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), FedEdge.Cli.Commands.SimulateCommand.ParseDuration(text));
    }

    [Fact]
    public void Digits_that_are_not_in_any_data_folder_are_refused_naming_where_they_were_looked_for()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<FormatException>(() => FedEdge.Cli.Commands.SimulateCommand.ResolveDigits(new FedEdge.Simulation.Data.DatasetSource(FedEdge.Simulation.Data.DatasetKind.Digits), [dir.Path]));

        Assert.StartsWith("--dataset digits: data/digits.csv.gz was not found in " + dir.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("copy it to " + Path.Combine(dir.Path, "data", "digits.csv.gz"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Digits_resolve_to_the_file_the_repository_ships()
    {
        var source = FedEdge.Cli.Commands.SimulateCommand.ResolveDigits(new FedEdge.Simulation.Data.DatasetSource(FedEdge.Simulation.Data.DatasetKind.Digits), [AppContext.BaseDirectory]);

        Assert.Equal(SharedDataFiles.DigitsPath(), source.Path);
    }

    [Fact]
    public async Task An_unreachable_broker_ends_the_run_with_exit_code_1_and_says_which()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var dir = new TempDirectory();
        var run = await CliRun.InvokeAsync("simulate", "--devices", "2", "--max-time", "10m", "--broker", $"mqtt://127.0.0.1:{port}", "--out", dir.Path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"could not connect to the broker mqtt://127.0.0.1:{port}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_processes_with_one_seed_write_the_same_results()
    {
        // Determinism across processes (not only within one): per-process hash seeds must not leak into the run.
        using var dir = new TempDirectory();
        string cli = Path.Combine(AppContext.BaseDirectory, "fededge.dll");
        var outputs = new List<JsonElement>();
        var logs = new List<string>();
        for (int run = 0; run < 2; run++)
        {
            string output = Path.Combine(dir.Path, $"run{run}");
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in new[] { cli, "simulate", "--devices", "12", "--max-time", "8h", "--strategy", "fedbuff", "--seeds", "7", "--out", output })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = System.Diagnostics.Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, await stderr + await stdout);
            logs.Add(await stderr);
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "summary.json"), TestContext.Current.CancellationToken));
            outputs.Add(summary.RootElement.GetProperty("runs")[0].Clone());
        }

        // on a mismatch, say where the runs parted: their counters and what each logged (transport warnings and the like)
        string Counters(JsonElement run) => string.Join(", ", new[] { "acceptedUpdates", "checkIns", "quietCheckIns", "brokerSessions", "interruptedRuns", "budgetRefusals", "finalVersion" }
            .Select(name => $"{name} {run.GetProperty(name)}")) + $", rejected {run.GetProperty("rejected")}";
        string diagnosis = $"run 0: {Counters(outputs[0])}\nrun 1: {Counters(outputs[1])}\nrun 0 logged:\n{logs[0]}\nrun 1 logged:\n{logs[1]}";
        Assert.True(outputs[0].GetProperty("finalModelSha256").GetString() == outputs[1].GetProperty("finalModelSha256").GetString(), "different final models; " + diagnosis);
        Assert.True(outputs[0].GetProperty("timeline").GetRawText() == outputs[1].GetProperty("timeline").GetRawText(), "different timelines; " + diagnosis);
        Assert.True(outputs[0].GetProperty("finalVersion").GetInt64() > 1, "the run must learn something");
    }
}
