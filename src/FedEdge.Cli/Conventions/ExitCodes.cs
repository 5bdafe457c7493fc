namespace FedEdge.Cli.Conventions;

/// <summary>
/// The process exit codes of every <c>fededge</c> command, as <c>--help</c> states them. A usage
/// error is found before any work starts, so 2 also means "nothing was written".
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>A failure while working: a broker that cannot be reached, a disk that fills up.</summary>
    public const int Failure = 1;

    /// <summary>A usage error or bad input: an unknown option, a value out of range, a missing or malformed file, an unwritable --out.</summary>
    public const int BadInput = 2;

    /// <summary>The "Exit codes:" section at the end of every command's <c>--help</c>.</summary>
    public static IReadOnlyList<string> Legend { get; } =
    [
        "Exit codes:",
        $"  {Success}  success",
        $"  {Failure}  runtime failure (e.g. the broker cannot be reached, a write fails)",
        $"  {BadInput}  usage error or bad input (unknown option or command, missing or out-of-range value,",
        "     missing or malformed data file, unwritable --out): one line on stderr, before any work starts",
    ];
}
