namespace FedEdge.Cli.Data;

/// <summary>
/// Finds the data files that ship in the repository's <c>data/</c> folder (the UCI digits) for the
/// tools that run from a clone: the <c>fededge</c> command and the benchmarks, which compile this
/// file too. It is deliberately not in FedEdge.Sensors: that library ships in the agent, and a Pi
/// has no clone to search — its data comes from its sensors.
/// </summary>
internal static class RepositoryDataFiles
{
    /// <summary>The repository folder that holds the data files.</summary>
    public const string DirectoryName = "data";

    /// <summary>The UCI optical digits (see data/README.md).</summary>
    public const string DigitsFileName = "digits.csv.gz";

    /// <summary>
    /// Where a search starts: the working directory (a user inside a clone), then the program's own
    /// directory (<c>dotnet run</c> or a build output inside a clone, run from anywhere).
    /// </summary>
    public static IReadOnlyList<string> SearchStarts() => [Directory.GetCurrentDirectory(), AppContext.BaseDirectory];

    /// <summary>
    /// The full path of <c>data/<paramref name="fileName"/></c> in the nearest directory at or above
    /// one of <paramref name="starts"/> (tried in order) that has it; null when none has.
    /// </summary>
    public static string? TryFind(string fileName, IEnumerable<string> starts)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(starts);
        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, DirectoryName, fileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>As <see cref="TryFind(string, IEnumerable{string})"/> from <see cref="SearchStarts"/>.</summary>
    public static string? TryFind(string fileName) => TryFind(fileName, SearchStarts());

    /// <summary>
    /// One line saying where <paramref name="fileName"/> was looked for and how to get it: every
    /// start and its ancestors were searched, so copying the file under the first start's
    /// <c>data/</c> is always enough.
    /// </summary>
    public static string NotFoundMessage(string fileName, IReadOnlyList<string> starts)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(starts);
        string relative = $"{DirectoryName}/{fileName}";
        string first = starts.Count > 0 ? Path.Combine(Path.GetFullPath(starts[0]), DirectoryName, fileName) : relative;
        return $"{relative} was not found in {string.Join(" or ", starts.Select(s => Path.TrimEndingDirectorySeparator(Path.GetFullPath(s))))} or any directory above; "
            + $"it ships in the FedEdge repository as {relative}: run from inside a clone, or copy it to {first}";
    }

    /// <summary>As <see cref="TryFind(string)"/>, but throws saying where the file was looked for.</summary>
    /// <exception cref="FileNotFoundException">Not found.</exception>
    public static string Find(string fileName) =>
        TryFind(fileName) ?? throw new FileNotFoundException(NotFoundMessage(fileName, SearchStarts()), fileName);
}
