namespace FedEdge.Benchmarks;

/// <summary>Finds the shared data sets beside the repository (../shared/data).</summary>
internal static class RepositoryData
{
    public static string Digits => Find("digits.csv.gz");

    private static string Find(string fileName)
    {
        string root = Root();
        string expected = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", fileName));
        if (File.Exists(expected))
        {
            return expected;
        }

        // a git worktree may sit one level deeper than the main clone (e.g. <somewhere>/wt/<name>):
        // the nearest ancestor's shared/ then serves, as in tests/Shared/SharedDataFiles.cs
        for (var dir = Directory.GetParent(root)?.Parent; dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"The shared data file '{fileName}' is missing; expected it at {expected}.", expected);
    }

    private static string Root()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FedEdge.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("FedEdge.sln not found above the benchmark's directory.");
    }
}
