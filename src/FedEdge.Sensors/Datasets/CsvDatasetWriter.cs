using System.Globalization;
using System.IO.Compression;
using System.Text;
using FedEdge.Core.Data;

namespace FedEdge.Sensors.Datasets;

/// <summary>
/// Writes a <see cref="Dataset"/> as CSV that <see cref="CsvDatasetReader"/> reads back exactly:
/// features then the label, comma separated, no header, '\n' line ends, invariant culture, each
/// float in its shortest round-trip form. A path ending in <c>.gz</c> is gzip-compressed.
/// </summary>
public static class CsvDatasetWriter
{
    // Longest float32 round-trip text ("-1.17549435E-38") is 15 characters; leave room.
    private const int MaxFloatChars = 32;

    /// <summary>Writes <paramref name="dataset"/> to <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(Dataset dataset, string path)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using Stream text = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.Optimal)
            : file;
        Write(dataset, text);
    }

    /// <summary>Writes <paramref name="dataset"/> to <paramref name="stream"/> as UTF-8 without a byte order mark; the stream stays open.</summary>
    public static void Write(Dataset dataset, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 65536, leaveOpen: true);
        Span<char> number = stackalloc char[MaxFloatChars];
        for (int i = 0; i < dataset.Count; i++)
        {
            foreach (float value in dataset.Row(i))
            {
                // "R"-equivalent: .NET Core 3.0+ formats float with the shortest text that parses back to the same bits.
                value.TryFormat(number, out int written, default, CultureInfo.InvariantCulture);
                writer.Write(number[..written]);
                writer.Write(',');
            }

            dataset.Label(i).TryFormat(number, out int labelChars, default, CultureInfo.InvariantCulture);
            writer.Write(number[..labelChars]);
            writer.Write('\n');
        }
    }
}
