using System.Globalization;
using System.Text.RegularExpressions;

namespace FedEdge.Cli.Tests.Commands;

/// <summary>Runs the real <c>fededge</c> command tree in-process, under the same conventions as the program, and captures its output.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int exitCode = await CliApplication.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary><paramref name="args"/> with <paramref name="flag"/>'s value set to <paramref name="value"/> (appended when absent).</summary>
    public static string[] With(string[] args, string flag, string value)
    {
        int at = Array.IndexOf(args, flag);
        return at >= 0 ? [.. args[..(at + 1)], value, .. args[(at + 2)..]] : [.. args, flag, value];
    }

    /// <summary>The non-empty lines written to stderr.</summary>
    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Asserts the usage-error convention: exit 2, nothing on stdout, exactly one "error: " line on
    /// stderr that names <paramref name="flag"/>, and no stack trace.
    /// </summary>
    public void AssertRefused(string flag)
    {
        Assert.True(ExitCode == 2, $"exit code {ExitCode}, expected 2; stderr:\n{Error}\nstdout:\n{Output}");
        Assert.Equal(string.Empty, Output);
        string line = Assert.Single(ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(flag, line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at FedEdge.", Error, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", Error, StringComparison.Ordinal);
    }

    /// <summary>The number after "<paramref name="label"/>:" in the output.</summary>
    public double Figure(string label)
    {
        var match = Regex.Match(Output, Regex.Escape(label) + @"[:=]?\s*([0-9.]+)");
        Assert.True(match.Success, $"'{label}' not found in output:\n{Output}\n{Error}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
