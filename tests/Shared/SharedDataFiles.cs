using System.Diagnostics;

namespace FedEdge.Tests.Shared;

/// <summary>
/// Locates the project's shared data, which lives beside the repository: the repository is
/// cloned as &lt;somewhere&gt;/main and the data at &lt;somewhere&gt;/shared/data.
/// </summary>
internal static class SharedDataFiles
{
    public static string DigitsPath() => Find("digits.csv.gz");

    private static string Find(string fileName)
    {
        string root = RepositoryRoot();
        string expected = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", fileName));
        if (File.Exists(expected))
        {
            return expected;
        }

        // A git worktree may sit one level deeper than the main clone (e.g. <somewhere>/wt/<name>);
        // the nearest ancestor's shared/ then serves.
        for (var dir = Directory.GetParent(root)?.Parent; dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail(
            $"The shared data file '{fileName}' is missing. Expected it at {expected} " +
            $"(the folder 'shared/data' beside the repository root {root}). Copy the project's shared data there.");
        throw new UnreachableException();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FedEdge.sln")))
            {
                return dir.FullName;
            }
        }

        Assert.Fail($"No directory above {AppContext.BaseDirectory} contains FedEdge.sln; cannot locate the repository root.");
        throw new UnreachableException();
    }
}
