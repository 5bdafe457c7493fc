using System.Text;

namespace FedEdge.Sensors.Tests.Datasets;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("fededge-data-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM, exactly as given) to a new file and returns its path.</summary>
    public string WriteText(string fileName, string text)
    {
        string path = System.IO.Path.Combine(Path, fileName);
        System.IO.File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    public string File(string fileName) => System.IO.Path.Combine(Path, fileName);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
