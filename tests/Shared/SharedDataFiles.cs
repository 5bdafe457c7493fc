using System.Diagnostics;

namespace FedEdge.Tests.Shared;

/// <summary>
/// Locates the data files that ship in the repository's <c>data/</c> folder (see data/README.md),
/// from the test's build output, so that a plain clone with nothing beside it runs every test.
/// </summary>
internal static class SharedDataFiles
{
    public static string DigitsPath() => Find("digits.csv.gz");

    /// <summary>The repository root: the nearest directory above the test's build output holding FedEdge.sln.</summary>
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

    private static string Find(string fileName)
    {
        string path = Path.Combine(RepositoryRoot(), "data", fileName);
        if (!File.Exists(path))
        {
            Assert.Fail($"The data file '{fileName}' is missing: expected it at {path}, where the repository ships it (see data/README.md).");
        }

        return path;
    }
}
