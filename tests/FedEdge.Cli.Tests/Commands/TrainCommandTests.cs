using System.Text.Json;

namespace FedEdge.Cli.Tests.Commands;

public class TrainCommandTests
{
    [Fact]
    public async Task The_mlp_trained_centrally_on_digits_reaches_95_percent_test_accuracy()
    {
        // MLP 64-32-10, AdamW lr 0.01, batch 32, 30 epochs, seed 0, stratified 80/20 split.
        var run = await CliRun.InvokeAsync("train", "--data", SharedDataFiles.DigitsPath(), "--model", "mlp", "--hidden", "32", "--epochs", "30");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("mlp-64-32-10", run.Output, StringComparison.Ordinal);
        Assert.Contains("train 1438 / test 359", run.Output, StringComparison.Ordinal);
        Assert.True(run.Figure("test accuracy") >= 0.95, run.Output);
    }

    [Fact]
    public async Task Logistic_regression_trained_centrally_on_digits_reaches_93_percent_test_accuracy()
    {
        var run = await CliRun.InvokeAsync("train", "--data", SharedDataFiles.DigitsPath(), "--model", "logreg", "--epochs", "30");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("logreg-64-10", run.Output, StringComparison.Ordinal);
        Assert.True(run.Figure("test accuracy") >= 0.93, run.Output);
    }

    [Fact]
    public async Task Without_data_it_trains_on_the_synthetic_smart_home_task_and_beats_chance_by_far()
    {
        // 5 balanced-ish classes: chance is about 20-40%; the generator is built so a model lands well above.
        var run = await CliRun.InvokeAsync("train", "--epochs", "10");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("synthetic smart-home activity", run.Output, StringComparison.Ordinal);
        Assert.True(run.Figure("test accuracy") >= 0.75, run.Output);
    }

    [Fact]
    public async Task Dp_sgd_training_reports_the_sigma_it_chose_and_spends_no_more_than_the_target_epsilon()
    {
        var run = await CliRun.InvokeAsync("train", "--data", SharedDataFiles.DigitsPath(), "--dp-epsilon", "3", "--epochs", "5", "--batch-size", "64");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("σ =", run.Output, StringComparison.Ordinal);
        double spent = run.Figure("privacy spent: ε =");
        Assert.InRange(spent, 2.9, 3.0);
        Assert.True(run.Figure("test accuracy") > 0.5, run.Output);
    }

    [Theory]
    [InlineData("ragged.csv", "1,2,3,0\n4,5,1\n", "line 2")]
    [InlineData("nan.csv", "1,2,0\n3,NaN,1\n", "line 2")]
    [InlineData("label.csv", "1,2,0\n3,4,-1\n", "line 2")]
    [InlineData("text.csv", "1,2,0\n3,abc,1\n", "line 2")]
    [InlineData("empty.csv", "", "empty.csv")]
    public async Task A_malformed_csv_gives_exit_code_2_and_an_error_naming_the_file_and_line(string name, string content, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText(name, content);
        var run = await CliRun.InvokeAsync("train", "--data", path, "--epochs", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(name, run.Error, StringComparison.Ordinal);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_data_file_is_a_clear_error_not_a_crash()
    {
        var run = await CliRun.InvokeAsync("train", "--data", "/nonexistent/data.csv");
        run.AssertRefused("--data");
        Assert.Contains("/nonexistent/data.csv", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "10001")]
    [InlineData("--batch-size", "-1")]
    [InlineData("--batch-size", "0")]
    [InlineData("--lr", "0")]
    [InlineData("--lr", "NaN")]
    [InlineData("--test-fraction", "1")]
    [InlineData("--test-fraction", "0")]
    [InlineData("--threads", "0")]
    [InlineData("--dp-epsilon", "0")]
    [InlineData("--dp-delta", "1")]
    [InlineData("--clip", "-1")]
    [InlineData("--hidden", "0")]
    [InlineData("--hidden", "32,x")]
    public async Task An_out_of_range_value_is_refused_naming_the_flag_before_any_data_is_read(string flag, string value)
    {
        // The data file is malformed: had it been read, the error would be about its line 2, not the flag.
        using var dir = new TempDirectory();
        string data = dir.WriteText("bad.csv", "1,2,0\n3,x,1\n");

        var run = await CliRun.InvokeAsync("train", "--data", data, flag, value);

        run.AssertRefused(flag);
        Assert.DoesNotContain("bad.csv", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--clip", "2")]
    [InlineData("--dp-delta", "1e-6")]
    public async Task A_dp_setting_without_dp_epsilon_is_refused_rather_than_ignored(string flag, string value)
    {
        var run = await CliRun.InvokeAsync("train", flag, value);

        run.AssertRefused($"{flag} has no effect without --dp-epsilon");
    }

    [Fact]
    public async Task A_negative_batch_size_leaves_the_out_directory_uncreated()
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "model");

        var run = await CliRun.InvokeAsync("train", "--batch-size", "-1", "--out", output);

        run.AssertRefused("--batch-size");
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task A_trainable_set_that_does_not_fit_the_model_is_refused_before_any_data_is_read()
    {
        using var dir = new TempDirectory();
        string data = dir.WriteText("bad.csv", "1,2,0\n3,x,1\n");

        var run = await CliRun.InvokeAsync("train", "--data", data, "--hidden", "32", "--trainable", "last-3");

        run.AssertRefused("--trainable 'last-3'");
        Assert.Contains("N ≤ 2", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unwritable_out_is_refused_before_any_data_is_read()
    {
        using var dir = new TempDirectory();
        string data = dir.WriteText("bad.csv", "1,2,0\n3,x,1\n");
        string file = dir.WriteText("a-file", "not a directory");

        var run = await CliRun.InvokeAsync("train", "--data", data, "--out", Path.Combine(file, "model"));

        run.AssertRefused("--out");
        Assert.Contains(Path.Combine(file, "model"), run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dp_target_no_noise_can_reach_is_refused_naming_dp_epsilon_on_one_line()
    {
        var run = await CliRun.InvokeAsync("train", "--dp-epsilon", "0.00001", "--epochs", "1");

        run.AssertRefused("--dp-epsilon");
        Assert.Contains("unreachable", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_prints_one_summary_object_on_stdout_and_the_progress_on_stderr()
    {
        var run = await CliRun.InvokeAsync("train", "--epochs", "4", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("mlp-14-32-5", root.GetProperty("model").GetString());
        Assert.Equal(4, root.GetProperty("epochs").GetInt32());
        Assert.Equal(4, root.GetProperty("epochLosses").GetArrayLength());
        Assert.Equal(root.GetProperty("samples").GetInt32(), root.GetProperty("trainSamples").GetInt32() + root.GetProperty("testSamples").GetInt32());
        Assert.InRange(root.GetProperty("testAccuracy").GetDouble(), 0.5, 1.0);
        Assert.InRange(root.GetProperty("trainAccuracy").GetDouble(), 0.5, 1.0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("dp").ValueKind);
        Assert.True(root.GetProperty("trainSeconds").GetDouble() <= root.GetProperty("totalSeconds").GetDouble());
        Assert.Contains("test accuracy:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_reports_the_same_test_accuracy_the_text_output_prints()
    {
        var text = await CliRun.InvokeAsync("train", "--epochs", "3", "--seed", "5");
        var json = await CliRun.InvokeAsync("train", "--epochs", "3", "--seed", "5", "--json");

        using var summary = JsonDocument.Parse(json.Output);
        Assert.Equal(text.Figure("test accuracy"), Math.Round(summary.RootElement.GetProperty("testAccuracy").GetDouble(), 4));
    }

    [Fact]
    public async Task Json_with_dp_sgd_reports_sigma_steps_and_an_epsilon_within_the_target()
    {
        var run = await CliRun.InvokeAsync("train", "--epochs", "2", "--dp-epsilon", "2", "--batch-size", "64", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var dp = json.RootElement.GetProperty("dp");
        Assert.Equal(2.0, dp.GetProperty("targetEpsilon").GetDouble());
        Assert.InRange(dp.GetProperty("epsilon").GetDouble(), 1.9, 2.0);
        Assert.True(dp.GetProperty("sigma").GetDouble() > 0);
        // Synthetic data: 2399 training rows, q = 64/2399, ⌈1/q⌉ = 38 steps per epoch.
        Assert.Equal(76, dp.GetProperty("steps").GetInt64());
    }
}
