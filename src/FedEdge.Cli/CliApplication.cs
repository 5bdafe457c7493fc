using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using FedEdge.Cli.Commands;
using FedEdge.Cli.Conventions;
using FedEdge.Sensors.Datasets;

namespace FedEdge.Cli;

/// <summary>
/// Builds the <c>fededge</c> command tree and runs it under the CLI's conventions (see
/// <see cref="ExitCodes"/>). Output goes to the writers handed in, so tests can read it.
/// </summary>
internal static class CliApplication
{
    /// <summary>The program's name as users type it (tests run the tree inside another executable).</summary>
    public const string Name = "fededge";

    /// <summary>The CLR type names System.CommandLine puts in its messages, in a user's words.</summary>
    private static readonly (string Type, string Word)[] ClrTypeWords =
    [
        ("System.Int32", "integer"), ("System.Int64", "integer"), ("System.Single", "number"), ("System.Double", "number"), ("System.Boolean", "true or false"),
    ];

    public static RootCommand Create(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("FedEdge: private on-device federated learning for the smart home.");
        root.Subcommands.Add(ArtifactsCommand.Create(output));
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(PrivacyCommand.Create(output));
        root.Subcommands.Add(SimulateCommand.Create(output, error));

        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExitCodes((HelpAction)help.Action!);
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A parse error (unknown option or command, missing or
    /// malformed value, a value out of range) and a <see cref="UsageException"/> exit 2 with one line
    /// on <paramref name="error"/>; an expected failure while working exits 1 with one line. Anything
    /// else is a bug and keeps its stack trace.
    /// </summary>
    public static async Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parse = Create(output, error).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // System.CommandLine would print every error, the help text and a typo list, and exit 1.
            await error.WriteLineAsync($"error: {string.Join(" ", parse.Errors.Select(NamingTheFlag))} See '{CommandPath(parse)} --help'.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UsageException or DatasetFormatException)
        {
            await error.WriteLineAsync($"error: {OneLine(ex)}").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException)
        {
            await error.WriteLineAsync($"error: {OneLine(ex)}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static string OneLine(Exception ex) => ex.Message.ReplaceLineEndings(" ");

    /// <summary>The error's text, prefixed with its option when System.CommandLine's text does not name it ("Argument 'x' not recognized").</summary>
    private static string NamingTheFlag(ParseError error)
    {
        string text = Plain(error.Message);
        text = text.EndsWith('.') ? text : text + ".";
        var option = error.SymbolResult switch
        {
            OptionResult o => o.Option,
            ArgumentResult { Parent: OptionResult o } => o.Option,
            _ => null,
        };
        return option is null || text.Contains($"'{option.Name}'", StringComparison.Ordinal) || text.StartsWith(option.Name, StringComparison.Ordinal)
            ? text
            : $"{option.Name}: {text}";
    }

    /// <summary>
    /// A System.CommandLine message on one line and in the user's words: its lists of allowed values
    /// span lines, and it names CLR types ("System.Nullable`1[System.Int32]") where a user expects "integer".
    /// </summary>
    private static string Plain(string message)
    {
        string text = Regex.Replace(message.ReplaceLineEndings(" ").Replace('\t', ' '), @"System\.Nullable`1\[([^\]]+)\]", "$1");
        foreach (var (type, word) in ClrTypeWords)
        {
            text = text.Replace(type, word, StringComparison.Ordinal);
        }

        return Regex.Replace(text, " {2,}", " ").Trim();
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            names.Add(result.Command.Name);
        }

        names.Add(Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
