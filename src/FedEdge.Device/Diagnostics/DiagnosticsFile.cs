using FedEdge.Storage;

namespace FedEdge.Device.Diagnostics;

/// <summary>
/// The latest <see cref="DeviceDiagnostics"/> in the state directory (<c>diagnostics.json</c>), so that
/// <c>fededge-agent status</c> can say why a device does not train without asking the running agent, and a restarted
/// agent remembers when it last contributed. Replaced atomically (temp file, fsync, rename): a reader sees the old or
/// the new document, never half of one. Written only when the diagnostics are emitted (<see cref="DiagnosticsThrottle"/>).
/// </summary>
public sealed class DiagnosticsFile
{
    /// <summary>The file name in the state directory.</summary>
    public const string FileName = "diagnostics.json";

    /// <summary>Creates the file's handle in <paramref name="stateDirectory"/> (nothing is touched yet).</summary>
    public DiagnosticsFile(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        Path = System.IO.Path.Combine(stateDirectory, FileName);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Replaces the file with <paramref name="diagnostics"/>.</summary>
    /// <exception cref="IOException">The state directory is not writable.</exception>
    public void Write(DeviceDiagnostics diagnostics)
    {
        AtomicFile.Write(Path, DeviceDiagnosticsJson.Write(diagnostics));
    }

    /// <summary>
    /// The recorded diagnostics, or null with <paramref name="problem"/> when there are none (the agent has not run
    /// since this file was introduced) or the file is unreadable. Reads only; takes no lock.
    /// </summary>
    public DeviceDiagnostics? TryRead(out string? problem)
    {
        var file = new FileInfo(Path);
        if (!file.Exists)
        {
            problem = "no diagnostics recorded yet";
            return null;
        }

        if (file.Length > DeviceDiagnosticsJson.MaxBytes)
        {
            problem = $"{Path} is {file.Length} bytes, more than a diagnostics document can be";
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            problem = "no diagnostics recorded yet";
            return null;
        }

        if (DeviceDiagnosticsJson.TryRead(bytes, out var diagnostics, out problem))
        {
            return diagnostics;
        }

        problem = $"{Path}: {problem}";
        return null;
    }
}
