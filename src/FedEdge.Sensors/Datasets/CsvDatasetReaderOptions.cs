using System.Globalization;

namespace FedEdge.Sensors.Datasets;

/// <summary>
/// Bounds and expectations for <see cref="CsvDatasetReader"/>. Every bound is checked before the
/// memory it guards is allocated (STYLE rule 8), so a hostile or corrupt file cannot exhaust a Pi.
/// </summary>
public sealed class CsvDatasetReaderOptions
{
    /// <summary>Default <see cref="MaxBytes"/>: 64 MiB of (decompressed) text.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>Default <see cref="MaxRows"/>: one million samples.</summary>
    public const int DefaultMaxRows = 1_000_000;

    /// <summary>Default <see cref="MaxColumns"/>: 4096 columns (features plus the label).</summary>
    public const int DefaultMaxColumns = 4096;

    /// <summary>Default <see cref="MaxLineLength"/>: 1 Mi characters, room for 4096 columns of long decimals.</summary>
    public const int DefaultMaxLineLength = 1024 * 1024;

    /// <summary>Most bytes of text read, after gzip decompression. Default <see cref="DefaultMaxBytes"/>.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Most data rows (header and blank lines excluded). Default <see cref="DefaultMaxRows"/>.</summary>
    public int MaxRows { get; init; } = DefaultMaxRows;

    /// <summary>Most columns per row, label included. Default <see cref="DefaultMaxColumns"/>.</summary>
    public int MaxColumns { get; init; } = DefaultMaxColumns;

    /// <summary>Most characters per line, line break excluded. Default <see cref="DefaultMaxLineLength"/>.</summary>
    public int MaxLineLength { get; init; } = DefaultMaxLineLength;

    /// <summary>
    /// When true, a first line none of whose fields is a number is taken as a header and skipped.
    /// Only the first line is ever treated so. Default false: every line is data.
    /// </summary>
    public bool AllowHeader { get; init; }

    /// <summary>
    /// The number of classes the labels must fall into (labels 0..n-1); becomes the data set's
    /// ClassCount. Null (default): ClassCount is the largest label + 1.
    /// </summary>
    public int? ExpectedClassCount { get; init; }

    /// <summary>Checks every setting and reports all faults in one message.</summary>
    /// <exception cref="ArgumentException">One or more settings are out of range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (MaxBytes < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"MaxBytes must be at least 1 (was {MaxBytes})."));
        }

        if (MaxRows < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"MaxRows must be at least 1 (was {MaxRows})."));
        }

        if (MaxColumns < 2)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"MaxColumns must be at least 2, one feature and the label (was {MaxColumns})."));
        }

        if (MaxLineLength < 3)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"MaxLineLength must be at least 3 (was {MaxLineLength})."));
        }

        if (ExpectedClassCount is < 2)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"ExpectedClassCount must be at least 2 when given (was {ExpectedClassCount})."));
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid CSV reader options: " + string.Join(" ", errors));
        }
    }
}
