namespace FedEdge.Sensors.Datasets;

/// <summary>
/// Finds the shared data sets that sit beside a FedEdge clone (<c>../shared/data</c>, e.g. the UCI
/// digits) for the tools run from the repository: the CLI and the benchmarks.
/// </summary>
public static class SharedDataSets
{
    /// <summary>The digits file name.</summary>
    public const string DigitsFileName = "digits.csv.gz";

    /// <summary>
    /// The path of <paramref name="fileName"/> in <c>shared/data</c> beside the repository that
    /// contains the running program or the working directory, or in the nearest ancestor's
    /// <c>shared/data</c> (a git worktree may sit deeper than the main clone); null when absent.
    /// </summary>
    public static string? TryFind(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "FedEdge.sln")))
                {
                    continue;
                }

                for (var ancestor = dir.Parent; ancestor is not null; ancestor = ancestor.Parent)
                {
                    string candidate = Path.Combine(ancestor.FullName, "shared", "data", fileName);
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }

                break;
            }
        }

        return null;
    }

    /// <summary>As <see cref="TryFind"/>, but throws naming where the file was expected.</summary>
    /// <exception cref="FileNotFoundException">Not found.</exception>
    public static string Find(string fileName) =>
        TryFind(fileName) ?? throw new FileNotFoundException(
            $"The shared data file '{fileName}' is missing; expected it in shared/data beside the FedEdge clone (../shared/data).", fileName);
}
