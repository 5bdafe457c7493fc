using System.Diagnostics;

namespace FedEdge.Tests.Shared;

/// <summary>Starts tests/FedEdge.CrashHost as a child process (built next to the test assembly's configuration).</summary>
internal static class CrashHostProcess
{
    public static Process Start(params string[] args)
    {
        string dll = Locate();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Cannot start the crash host.");
    }

    private static string Locate()
    {
        // tests/<Project>/bin/<Configuration>/net10.0/ → tests/FedEdge.CrashHost/bin/<Configuration>/net10.0/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = here.Name;
        string configuration = here.Parent!.Name;
        string tests = here.Parent.Parent!.Parent!.Parent!.FullName;
        string dll = Path.Combine(tests, "FedEdge.CrashHost", "bin", configuration, framework, "FedEdge.CrashHost.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"The crash host is not built at {dll}; the test project must reference tests/FedEdge.CrashHost.", dll);
    }
}
