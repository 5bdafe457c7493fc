namespace FedEdge.Cli.Conventions;

/// <summary>
/// A mistake on the command line found before any work starts. Its message is the one line the user
/// sees after "error: ", and it names the flag at fault; the command then exits with
/// <see cref="ExitCodes.BadInput"/>.
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// A validation failure of the core libraries as a usage error of <paramref name="flag"/> (see
    /// <see cref="From"/> for the message).
    /// </summary>
    public static UsageException For(string flag, ArgumentException exception) => new($"{flag}: {Text(exception)}", exception);

    /// <summary>
    /// A validation failure of the core libraries whose message already names the flag, without the
    /// BCL's " (Parameter 'x')" and "Actual value was" tail: it names a C# parameter the user never
    /// typed, and breaks the one-line rule.
    /// </summary>
    public static UsageException From(ArgumentException exception) => new(Text(exception), exception);

    private static string Text(ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string message = exception.Message;
        int tail = exception.ParamName is null ? -1 : message.IndexOf($" (Parameter '{exception.ParamName}')", StringComparison.Ordinal);
        return (tail >= 0 ? message[..tail] : message).ReplaceLineEndings(" ");
    }
}
