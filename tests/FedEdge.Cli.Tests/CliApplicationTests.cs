using FedEdge.Cli.Tests.Commands;

namespace FedEdge.Cli.Tests;

public class CliApplicationTests
{
    [Theory]
    [InlineData("artifacts")]
    [InlineData("train")]
    [InlineData("privacy", "epsilon")]
    [InlineData("privacy", "sigma")]
    [InlineData("simulate")]
    public async Task An_unknown_option_exits_2_with_one_line_naming_it(params string[] command)
    {
        var run = await CliRun.InvokeAsync([.. command, "--frobnicate"]);

        run.AssertRefused("'--frobnicate'");
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("privacy", "frobnicate")]
    public async Task An_unknown_command_exits_2_with_one_line_naming_it(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        run.AssertRefused("'frobnicate'");
    }

    [Fact]
    public async Task No_command_at_all_exits_2_and_points_to_help()
    {
        var run = await CliRun.InvokeAsync();

        run.AssertRefused("See 'fededge --help'");
    }

    [Theory]
    [InlineData("--out", "artifacts", "--inputs", "4", "--classes", "2")]
    [InlineData("--steps", "privacy", "epsilon", "--q", "0.1", "--sigma", "1")]
    public async Task A_missing_required_option_exits_2_naming_it(string flag, params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        run.AssertRefused(flag);
    }

    [Theory]
    [InlineData("train", "--epochs")]
    [InlineData("simulate", "--devices")]
    [InlineData("privacy", "sigma", "--epsilon")]
    public async Task An_option_without_its_value_exits_2_naming_it(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        run.AssertRefused(args[^1]);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_names_the_flag_and_the_type_in_plain_words()
    {
        var run = await CliRun.InvokeAsync("simulate", "--devices", "many");

        run.AssertRefused("--devices");
        Assert.Contains("'integer'", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_outside_the_allowed_choices_names_its_flag_and_the_choices_on_one_line()
    {
        var run = await CliRun.InvokeAsync("train", "--model", "cnn");

        run.AssertRefused("error: --model:");
        Assert.Contains("'mlp' 'logreg'", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("artifacts", "--help")]
    [InlineData("train", "--help")]
    [InlineData("privacy", "--help")]
    [InlineData("privacy", "epsilon", "--help")]
    [InlineData("privacy", "sigma", "--help")]
    [InlineData("simulate", "--help")]
    public async Task Every_commands_help_documents_the_exit_codes(params string[] args)
    {
        var run = await CliRun.InvokeAsync(args);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        Assert.Contains("Exit codes:\n  0  success\n  1  runtime failure", run.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  2  usage error or bad input", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_wins_over_an_error_on_the_same_line()
    {
        var run = await CliRun.InvokeAsync("simulate", "--frobnicate", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--stop-at-target", run.Output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Error);
    }
}
