using System.IO.Compression;
using System.Text;
using FedEdge.Core.Data;

namespace FedEdge.Sensors.Datasets;

/// <summary>
/// Reads a classification data set from CSV text: one sample per line, numeric feature columns
/// followed by the integer class label in the last column, comma separated, invariant culture
/// ("." as decimal point), no header unless <see cref="CsvDatasetReaderOptions.AllowHeader"/>.
/// A label may be written "3" or "3.0" but must be a whole number &gt;= 0. Blank lines are
/// ignored. Text is streamed line by line and every size bound in
/// <see cref="CsvDatasetReaderOptions"/> is checked before the memory it guards is allocated.
/// </summary>
/// <remarks>
/// Malformed input (ragged rows, non-numbers, NaN/infinity, bad labels, empty or one-column files,
/// exceeded bounds, broken gzip) raises <see cref="DatasetFormatException"/> naming the file,
/// line and column. A missing file raises the usual <see cref="FileNotFoundException"/>.
/// </remarks>
public sealed class CsvDatasetReader
{
    private const int ReaderBufferSize = 4096;

    private readonly CsvDatasetReaderOptions _options;

    /// <summary>Creates a reader with the given bounds (defaults when null).</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public CsvDatasetReader(CsvDatasetReaderOptions? options = null)
    {
        _options = options ?? new CsvDatasetReaderOptions();
        _options.Validate();
    }

    /// <summary>Reads a file whose name ends in <c>.csv</c>, or <c>.csv.gz</c> for gzip-compressed text.</summary>
    public Dataset Read(string path)
    {
        bool gzip = CheckExtension(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReaderBufferSize, FileOptions.SequentialScan);
        using Stream text = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        return Read(text, path);
    }

    /// <summary>Reads CSV text from <paramref name="stream"/>, which stays open; <paramref name="sourceName"/> names it in errors.</summary>
    public Dataset Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        var counted = new ByteCountingStream(stream, _options.MaxBytes);
        using var reader = new StreamReader(counted, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, ReaderBufferSize, leaveOpen: true);
        var lines = new BoundedLineReader(reader, counted, sourceName, _options.MaxLineLength, _options.MaxBytes);
        var builder = new CsvDatasetBuilder(sourceName, _options);
        try
        {
            while (lines.ReadLine())
            {
                builder.Accept(lines.Current, lines.LineNumber);
            }
        }
        catch (InvalidDataException e)
        {
            throw NotGzip(sourceName, lines.LineNumber, e);
        }

        return builder.Build();
    }

    /// <summary>Reads a file whose name ends in <c>.csv</c>, or <c>.csv.gz</c> for gzip-compressed text.</summary>
    public async Task<Dataset> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        bool gzip = CheckExtension(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReaderBufferSize, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            Stream text = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            await using (text.ConfigureAwait(false))
            {
                return await ReadAsync(text, path, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads CSV text from <paramref name="stream"/>, which stays open; <paramref name="sourceName"/> names it in errors.</summary>
    public async Task<Dataset> ReadAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        var counted = new ByteCountingStream(stream, _options.MaxBytes);
        using var reader = new StreamReader(counted, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, ReaderBufferSize, leaveOpen: true);
        var lines = new BoundedLineReader(reader, counted, sourceName, _options.MaxLineLength, _options.MaxBytes);
        var builder = new CsvDatasetBuilder(sourceName, _options);
        try
        {
            while (await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false))
            {
                builder.Accept(lines.Current, lines.LineNumber);
            }
        }
        catch (InvalidDataException e)
        {
            throw NotGzip(sourceName, lines.LineNumber, e);
        }

        return builder.Build();
    }

    private static bool CheckExtension(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        throw new DatasetFormatException(path, null, null, "the file name must end in .csv or .csv.gz.");
    }

    private static DatasetFormatException NotGzip(string sourceName, int lineNumber, InvalidDataException inner) =>
        new(sourceName, lineNumber + 1, null, "the compressed data is not valid gzip: " + inner.Message, inner);
}
