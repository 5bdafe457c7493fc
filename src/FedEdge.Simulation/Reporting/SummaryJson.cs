using System.Text;
using System.Text.Json;

namespace FedEdge.Simulation.Reporting;

/// <summary>Writes and reads summary.json (indented, camelCase; doubles round-trip exactly).</summary>
public static class SummaryJson
{
    /// <summary>The file name inside a report directory.</summary>
    public const string FileName = "summary.json";

    /// <summary>Largest summary.json <see cref="Read"/> accepts: a long run's timelines are a few MB; this bounds a wrong file.</summary>
    public const long MaxBytes = 256L * 1024 * 1024;

    /// <summary>The summary as JSON text.</summary>
    public static string Serialize(SimulationSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return JsonSerializer.Serialize(summary, SummaryJsonContext.Default.SimulationSummary);
    }

    /// <summary>Parses JSON text written by <see cref="Serialize"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not a summary.</exception>
    public static SimulationSummary Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, SummaryJsonContext.Default.SimulationSummary)
                ?? throw new InvalidDataException("summary.json holds null, not a simulation summary.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not a simulation summary: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="summary"/> to <paramref name="path"/> (UTF-8, no BOM, trailing newline).</summary>
    public static void Write(string path, SimulationSummary summary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, Serialize(summary) + "\n", new UTF8Encoding(false));
    }

    /// <summary>Reads a summary.json.</summary>
    /// <exception cref="InvalidDataException">The file is larger than <see cref="MaxBytes"/> or not a summary.</exception>
    public static SimulationSummary Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Length;
        if (length > MaxBytes)
        {
            throw new InvalidDataException($"{path} is {length} bytes; a summary.json is at most {MaxBytes}.");
        }

        return Deserialize(File.ReadAllText(path, Encoding.UTF8));
    }
}
