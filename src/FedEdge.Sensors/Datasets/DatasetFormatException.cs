namespace FedEdge.Sensors.Datasets;

/// <summary>
/// A data file is malformed or exceeds a configured bound. The message names the file and, where
/// one applies, the 1-based line and column, so that the person who produced the file can fix it.
/// </summary>
public sealed class DatasetFormatException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public DatasetFormatException()
        : base("The data set is malformed.")
    {
    }

    /// <summary>Creates an exception with the given message and no location.</summary>
    public DatasetFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message, no location and an inner cause.</summary>
    public DatasetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Creates an exception located in <paramref name="fileName"/> at <paramref name="lineNumber"/>
    /// and <paramref name="column"/>; the message is prefixed with that location.
    /// </summary>
    public DatasetFormatException(string fileName, int? lineNumber, int? column, string problem, Exception? innerException = null)
        : base(Describe(fileName, lineNumber, column, problem), innerException)
    {
        FileName = fileName;
        LineNumber = lineNumber;
        Column = column;
    }

    /// <summary>The file (or stream name) that was being read, if known.</summary>
    public string? FileName { get; }

    /// <summary>The 1-based line at fault, or null when the fault is not tied to one line (e.g. an empty file).</summary>
    public int? LineNumber { get; }

    /// <summary>The 1-based column at fault, or null when the fault concerns a whole line or file.</summary>
    public int? Column { get; }

    private static string Describe(string fileName, int? lineNumber, int? column, string problem)
    {
        string where = fileName;
        if (lineNumber is { } line)
        {
            where += $", line {line}";
        }

        if (column is { } col)
        {
            where += $", column {col}";
        }

        return $"{where}: {problem}";
    }
}
