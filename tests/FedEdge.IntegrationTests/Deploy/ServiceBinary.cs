namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// A service as it is built (src/&lt;project&gt;/bin/&lt;Configuration&gt;/&lt;tfm&gt;/, with its shipped appsettings.json beside it),
/// run through the dotnet host that runs the tests.
/// </summary>
public static class ServiceBinary
{
    /// <summary>fededge-agent.</summary>
    public static string Agent => Locate("FedEdge.Agent", "fededge-agent");

    /// <summary>fededge-aggregator.</summary>
    public static string Aggregator => Locate("FedEdge.Aggregator", "fededge-aggregator");

    /// <summary>The dotnet host (the one running the tests).</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>Runs <paramref name="dll"/> with <paramref name="arguments"/> to its end (at most a minute).</summary>
    public static Task<ToolRun> RunAsync(string dll, params string[] arguments) =>
        ToolRun.RunAsync(DotnetHost, [dll, .. arguments], environment: new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production" });

    /// <summary>The built dll of <paramref name="project"/>.</summary>
    public static string Locate(string project, string assembly)
    {
        // tests/FedEdge.IntegrationTests/bin/<Configuration>/<tfm>/ → src/<project>/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = here.Name;
        string configuration = here.Parent!.Name;
        string dll = RepositoryRoot.File("src", project, "bin", configuration, framework, assembly + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{assembly} is not built at {dll}.", dll);
    }
}
