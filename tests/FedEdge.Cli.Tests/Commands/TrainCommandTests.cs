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
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/nonexistent/data.csv", run.Error, StringComparison.Ordinal);
    }
}
