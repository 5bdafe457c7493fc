using System.Globalization;
using FedEdge.Core.Data;

namespace FedEdge.Sensors.Datasets;

/// <summary>
/// Turns CSV lines (features…, label) into a <see cref="Dataset"/>, checking each line as it
/// arrives so that the first fault is reported with its file, line and column.
/// </summary>
internal sealed class CsvDatasetBuilder(string fileName, CsvDatasetReaderOptions options)
{
    private readonly List<float> _features = [];
    private readonly List<int> _labels = [];
    private bool _sawFirstLine;
    private int _columns = -1;
    private int _referenceLine;
    private int _maxLabel = -1;

    public void Accept(ReadOnlySpan<char> line, int lineNumber)
    {
        if (line.IsWhiteSpace())
        {
            return;
        }

        bool first = !_sawFirstLine;
        _sawFirstLine = true;

        // Count before touching any field: the column bound must hold before we allocate for the row.
        int columns = line.Count(',') + 1;
        if (columns > options.MaxColumns)
        {
            throw Fault(lineNumber, null, $"the line has {columns} columns, more than the limit of {options.MaxColumns} (MaxColumns).");
        }

        if (first && options.AllowHeader && NoFieldIsNumber(line))
        {
            _columns = columns;
            _referenceLine = lineNumber;
            return;
        }

        if (_columns < 0)
        {
            if (columns < 2)
            {
                throw FaultText(lineNumber, null, "the line has only one column; a data row needs at least one feature and a label (last column).");
            }

            _columns = columns;
            _referenceLine = lineNumber;
        }
        else if (columns != _columns)
        {
            throw Fault(lineNumber, null, $"the line has {columns} columns but line {_referenceLine} has {_columns} (ragged row).");
        }

        if (_labels.Count >= options.MaxRows)
        {
            throw Fault(lineNumber, null, $"the file has more than the limit of {options.MaxRows} data rows (MaxRows).");
        }

        if ((long)(_labels.Count + 1) * (_columns - 1) > Array.MaxLength)
        {
            throw FaultText(lineNumber, null, "the feature values would not fit in one array.");
        }

        int column = 0;
        foreach (Range range in line.Split(','))
        {
            column++;
            var field = line[range].Trim();
            if (column < _columns)
            {
                _features.Add(ParseFeature(field, lineNumber, column));
            }
            else
            {
                int label = ParseLabel(field, lineNumber, column);
                _labels.Add(label);
                _maxLabel = Math.Max(_maxLabel, label);
            }
        }
    }

    public Dataset Build()
    {
        if (_labels.Count == 0)
        {
            throw new DatasetFormatException(fileName, null, null, "the file contains no data rows (empty file).");
        }

        int classCount = options.ExpectedClassCount ?? _maxLabel + 1;
        if (classCount < 2)
        {
            throw new DatasetFormatException(fileName, null, null, "every label is 0; a classification data set needs at least 2 classes.");
        }

        return new Dataset(_features.ToArray(), _labels.ToArray(), _columns - 1, classCount);
    }

    private static bool NoFieldIsNumber(ReadOnlySpan<char> line)
    {
        foreach (Range range in line.Split(','))
        {
            if (double.TryParse(line[range].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
        }

        return true;
    }

    private float ParseFeature(ReadOnlySpan<char> field, int lineNumber, int column)
    {
        if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
        {
            throw Fault(lineNumber, column, $"'{Shorten(field)}' is not a number.");
        }

        // float.TryParse accepts "NaN" and "Infinity" and turns out-of-range values such as 1e39
        // into infinity; none of these can be learned from.
        if (!float.IsFinite(value))
        {
            throw Fault(lineNumber, column, $"'{Shorten(field)}' is not a finite float32 value (NaN, infinity or out of range).");
        }

        return value;
    }

    private int ParseLabel(ReadOnlySpan<char> field, int lineNumber, int column)
    {
        // Labels written as "3" or "3.0" are accepted; anything not a whole number >= 0 is not a class.
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value < 0 || value != Math.Floor(value) || value >= int.MaxValue)
        {
            throw Fault(lineNumber, column, $"the label '{Shorten(field)}' is not a non-negative integer.");
        }

        int label = (int)value;
        if (options.ExpectedClassCount is { } expected && label >= expected)
        {
            throw Fault(lineNumber, column, $"the label {label} is not below the expected class count {expected}.");
        }

        return label;
    }

    private static string Shorten(ReadOnlySpan<char> field) => field.Length <= 40 ? field.ToString() : string.Concat(field[..40], "…");

    private DatasetFormatException Fault(int lineNumber, int? column, FormattableString problem) =>
        FaultText(lineNumber, column, problem.ToString(CultureInfo.InvariantCulture));

    private DatasetFormatException FaultText(int lineNumber, int? column, string problem) =>
        new(fileName, lineNumber, column, problem);
}
