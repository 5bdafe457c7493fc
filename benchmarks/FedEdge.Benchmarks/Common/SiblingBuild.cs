namespace FedEdge.Benchmarks.Common;

/// <summary>Where a program of this repository that the benchmarks build (but do not reference) lies: the same configuration and framework.</summary>
internal static class SiblingBuild
{
    /// <summary>src/<paramref name="project"/>/bin/{configuration}/{framework}/<paramref name="dll"/>, built with this benchmark.</summary>
    /// <exception cref="FileNotFoundException">It is not built.</exception>
    public static string Dll(string project, string dll)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string root = here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(root, "src", project, "bin", here.Parent.Name, here.Name, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built", path);
    }

    /// <summary>The repository's root (the digits data set and the CLI's data search start there).</summary>
    public static string Root() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
}
