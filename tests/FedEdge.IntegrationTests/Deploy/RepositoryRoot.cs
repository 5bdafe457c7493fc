namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The checkout the tests were built from, found by walking up from the test binaries to FedEdge.sln, so the deploy
/// tests read deploy/ and firmware-configs/ exactly as committed (nothing is copied into the output folder).
/// </summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "FedEdge.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FedEdge.sln not found above " + AppContext.BaseDirectory);
    }
}
