using System.CommandLine;
using System.CommandLine.Parsing;

namespace FedEdge.Cli.Conventions;

/// <summary>
/// Range and existence checks that run while the command line is parsed, so a bad value is a parse
/// error (exit 2, one line naming the flag) before any command starts work — not an exception from
/// deep inside it after the data was loaded.
/// </summary>
internal static class OptionRules
{
    /// <summary>Adds a check: values for which <paramref name="valid"/> is false are refused as "--flag must be <paramref name="rule"/>".</summary>
    public static Option<T> Must<T>(this Option<T> option, Func<T, bool> valid, string rule)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(valid);
        option.Validators.Add(result =>
        {
            if (result.Implicit)
            {
                return; // a default is valid by construction
            }

            T? value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // the text is not even a T: the parser reports that error itself
            }

            if (value is null || !valid(value))
            {
                result.AddError($"{option.Name} must be {rule} (got {Given(result)}).");
            }
        });
        return option;
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> InRange(this Option<int> option, int min, int max) =>
        option.Must(v => v >= min && v <= max, $"in {min}..{max}");

    /// <summary>A finite number greater than zero.</summary>
    public static Option<double> Positive(this Option<double> option) =>
        option.Must(v => v > 0 && double.IsFinite(v), "a positive number");

    /// <summary>A finite number greater than zero.</summary>
    public static Option<double?> Positive(this Option<double?> option) =>
        option.Must(v => v is > 0 && double.IsFinite(v.Value), "a positive number");

    /// <summary>A finite number greater than zero.</summary>
    public static Option<float> Positive(this Option<float> option) =>
        option.Must(v => v > 0 && float.IsFinite(v), "a positive number");

    /// <summary>A number in the open interval (0, 1): a probability that is neither impossible nor certain.</summary>
    public static Option<double> OpenUnitInterval(this Option<double> option) =>
        option.Must(v => v is > 0 and < 1, "in (0, 1)");

    /// <summary>A file that exists, when given (a directory or a missing path is refused).</summary>
    public static Option<FileInfo?> ExistingFile(this Option<FileInfo?> option) =>
        option.Must(f => f is { Exists: true }, "an existing file");

    /// <summary>A directory that exists, when given.</summary>
    public static Option<DirectoryInfo?> ExistingDirectory(this Option<DirectoryInfo?> option) =>
        option.Must(d => d is { Exists: true }, "an existing directory");

    /// <summary>
    /// Refuses <paramref name="dependent"/> given without <paramref name="required"/>, which alone
    /// gives it an effect: an option silently ignored is a user's mistake left unreported.
    /// </summary>
    public static void OnlyWith(this Command command, Option dependent, Option required)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(dependent);
        ArgumentNullException.ThrowIfNull(required);
        command.Validators.Add(result =>
        {
            if (result.GetResult(dependent) is { Implicit: false } && result.GetResult(required) is not { Implicit: false })
            {
                result.AddError($"{dependent.Name} has no effect without {required.Name}.");
            }
        });
    }

    private static string Given(OptionResult result) =>
        result.Tokens.Count == 0 ? "nothing" : $"'{string.Join(' ', result.Tokens.Select(t => t.Value))}'";
}
