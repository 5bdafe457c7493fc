namespace FedEdge.Benchmarks;

/// <summary>Finds the shared data sets beside the repository (../shared/data).</summary>
internal static class RepositoryData
{
    public static string Digits => Path.Combine(Root(), "..", "shared", "data", "digits.csv.gz");

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
