using System.Globalization;
using System.Text.RegularExpressions;

namespace FedEdge.Cli.Tests.Commands;

/// <summary>Runs the real <c>fededge</c> command tree in-process and captures its output.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        int exitCode = await CliApplication.Create(output, error).Parse(args).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The number after "<paramref name="label"/>:" in the output.</summary>
    public double Figure(string label)
    {
        var match = Regex.Match(Output, Regex.Escape(label) + @"[:=]?\s*([0-9.]+)");
        Assert.True(match.Success, $"'{label}' not found in output:\n{Output}\n{Error}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
