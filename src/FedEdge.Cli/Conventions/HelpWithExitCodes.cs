using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace FedEdge.Cli.Conventions;

/// <summary>
/// The standard help, followed by the exit-code section (<see cref="ExitCodes.Legend"/>). System.CommandLine
/// 3.0 keeps its help layout internal, so this wraps its help action instead of customising it; the help
/// option is recursive, so setting this once on the root serves every command.
/// </summary>
internal sealed class HelpWithExitCodes(HelpAction help) : SynchronousCommandLineAction
{
    /// <summary>As the help it wraps: <c>--help</c> wins over other errors on the line.</summary>
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        int exitCode = help.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        foreach (string line in ExitCodes.Legend)
        {
            output.WriteLine(line);
        }

        output.WriteLine();
        return exitCode;
    }
}
