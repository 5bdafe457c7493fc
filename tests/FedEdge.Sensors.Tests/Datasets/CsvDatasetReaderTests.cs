using System.IO.Compression;
using System.Text;
using FedEdge.Sensors.Datasets;

namespace FedEdge.Sensors.Tests.Datasets;

public sealed class CsvDatasetReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DatasetFormatException ReadFails(string path, CsvDatasetReaderOptions? options = null) =>
        Assert.Throws<DatasetFormatException>(() => new CsvDatasetReader(options).Read(path));

    private static void AssertLocated(DatasetFormatException e, string path, int line, int? column = null)
    {
        Assert.Equal(path, e.FileName);
        Assert.Equal(line, e.LineNumber);
        Assert.Equal(column, e.Column);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"line {line}", e.Message, StringComparison.Ordinal);
        if (column is { } c)
        {
            Assert.Contains($"column {c}", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_takes_features_from_leading_columns_and_label_from_the_last()
    {
        string path = _dir.WriteText("a.csv", "0.5,-2,1e-3,1\n3,4.25,-0,0\n7,8,9,2\n");

        var data = new CsvDatasetReader().Read(path);

        Assert.Equal(3, data.Count);
        Assert.Equal(3, data.FeatureCount);
        Assert.Equal(new float[] { 0.5f, -2f, 1e-3f, 3f, 4.25f, -0f, 7f, 8f, 9f }, data.Features.ToArray());
        Assert.Equal(new[] { 1, 0, 2 }, data.Labels.ToArray());
    }

    [Fact]
    public void Read_sets_class_count_to_largest_label_plus_one()
    {
        string path = _dir.WriteText("a.csv", "1,0\n2,4\n");

        Assert.Equal(5, new CsvDatasetReader().Read(path).ClassCount);
    }

    [Fact]
    public void Read_uses_the_expected_class_count_when_given()
    {
        string path = _dir.WriteText("a.csv", "1,0\n2,1\n");

        var data = new CsvDatasetReader(new CsvDatasetReaderOptions { ExpectedClassCount = 10 }).Read(path);

        Assert.Equal(10, data.ClassCount);
    }

    [Fact]
    public void Read_accepts_crlf_line_ends_blank_lines_spaces_and_a_missing_final_newline()
    {
        string path = _dir.WriteText("a.csv", "1, 2 ,0\r\n\r\n3,4,1");

        var data = new CsvDatasetReader().Read(path);

        Assert.Equal(new float[] { 1, 2, 3, 4 }, data.Features.ToArray());
        Assert.Equal(new[] { 0, 1 }, data.Labels.ToArray());
    }

    [Fact]
    public void Read_accepts_a_label_written_as_a_whole_decimal()
    {
        string path = _dir.WriteText("a.csv", "1,0.0\n2,1.0\n");

        Assert.Equal(new[] { 0, 1 }, new CsvDatasetReader().Read(path).Labels.ToArray());
    }

    [Fact]
    public void Read_decompresses_a_csv_gz_file()
    {
        string path = _dir.File("a.csv.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes("1,2,0\n3,4,1\n"));
        }

        var data = new CsvDatasetReader().Read(path);

        Assert.Equal(new float[] { 1, 2, 3, 4 }, data.Features.ToArray());
    }

    [Fact]
    public void Read_from_a_stream_leaves_the_stream_open()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("1,0\n2,1\n"));

        var data = new CsvDatasetReader().Read(stream, "memory");

        Assert.Equal(2, data.Count);
        Assert.True(stream.CanRead);
    }

    [Fact]
    public async Task ReadAsync_reports_the_same_fault_as_Read()
    {
        string path = _dir.WriteText("a.csv", "1,2,0\n3,x,1\n");

        var e = await Assert.ThrowsAsync<DatasetFormatException>(
            () => new CsvDatasetReader().ReadAsync(path, TestContext.Current.CancellationToken));

        AssertLocated(e, path, 2, 2);
    }

    [Fact]
    public void Read_rejects_a_ragged_row_naming_file_and_line()
    {
        string path = _dir.WriteText("ragged.csv", "1,2,0\n3,4,1\n5,1\n");

        var e = ReadFails(path);

        AssertLocated(e, path, 3);
        Assert.Contains("2 columns but line 1 has 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_non_numeric_value_naming_file_line_and_column()
    {
        string path = _dir.WriteText("text.csv", "1,2,0\n3,abc,1\n");

        var e = ReadFails(path);

        AssertLocated(e, path, 2, 2);
        Assert.Contains("'abc' is not a number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_decimal_comma_as_a_ragged_row()
    {
        // Invariant culture: "1,5" is two fields, so the row has one column too many.
        string path = _dir.WriteText("comma.csv", "1.5,0\n1,5,1\n");

        AssertLocated(ReadFails(path), path, 2);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public void Read_rejects_a_value_that_is_not_finite(string value)
    {
        string path = _dir.WriteText("nan.csv", $"1,2,0\n3,{value},1\n");

        var e = ReadFails(path);

        AssertLocated(e, path, 2, 2);
        Assert.Contains("not a finite", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2.5")]
    [InlineData("one")]
    [InlineData("NaN")]
    [InlineData("1e12")]
    public void Read_rejects_a_label_that_is_not_a_non_negative_integer(string label)
    {
        string path = _dir.WriteText("label.csv", $"1,2,0\n3,4,{label}\n");

        var e = ReadFails(path);

        AssertLocated(e, path, 2, 3);
        Assert.Contains("not a non-negative integer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_label_at_or_above_the_expected_class_count()
    {
        string path = _dir.WriteText("label.csv", "1,2,0\n3,4,3\n");

        var e = ReadFails(path, new CsvDatasetReaderOptions { ExpectedClassCount = 3 });

        AssertLocated(e, path, 2, 3);
        Assert.Contains("expected class count 3", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    public void Read_rejects_a_file_without_data_rows(string text)
    {
        string path = _dir.WriteText("empty.csv", text);

        var e = ReadFails(path);

        Assert.Equal(path, e.FileName);
        Assert.Null(e.LineNumber);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("no data rows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_file_with_only_one_column()
    {
        string path = _dir.WriteText("one.csv", "0\n1\n");

        var e = ReadFails(path);

        AssertLocated(e, path, 1);
        Assert.Contains("only one column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_file_whose_labels_are_all_zero()
    {
        string path = _dir.WriteText("single.csv", "1,0\n2,0\n");

        var e = ReadFails(path);

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("at least 2 classes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_skips_a_non_numeric_first_line_when_headers_are_allowed()
    {
        string path = _dir.WriteText("header.csv", "x,y,label\n1,2,0\n3,4,1\n");

        var data = new CsvDatasetReader(new CsvDatasetReaderOptions { AllowHeader = true }).Read(path);

        Assert.Equal(new float[] { 1, 2, 3, 4 }, data.Features.ToArray());
    }

    [Fact]
    public void Read_rejects_a_header_when_headers_are_not_allowed()
    {
        string path = _dir.WriteText("header.csv", "x,y,label\n1,2,0\n");

        AssertLocated(ReadFails(path), path, 1, 1);
    }

    [Fact]
    public void Read_treats_only_the_first_line_as_a_possible_header()
    {
        string path = _dir.WriteText("header.csv", "x,y,label\na,b,c\n1,2,0\n");

        AssertLocated(ReadFails(path, new CsvDatasetReaderOptions { AllowHeader = true }), path, 2, 1);
    }

    [Fact]
    public void Read_rejects_more_rows_than_MaxRows()
    {
        string path = _dir.WriteText("rows.csv", "1,0\n2,1\n3,0\n");

        var e = ReadFails(path, new CsvDatasetReaderOptions { MaxRows = 2 });

        AssertLocated(e, path, 3);
        Assert.Contains("MaxRows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_more_columns_than_MaxColumns()
    {
        string path = _dir.WriteText("cols.csv", "1,2,0\n1,2,3,4,0\n");

        var e = ReadFails(path, new CsvDatasetReaderOptions { MaxColumns = 4 });

        AssertLocated(e, path, 2);
        Assert.Contains("MaxColumns", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_line_longer_than_MaxLineLength()
    {
        string path = _dir.WriteText("long.csv", "1,0\n" + new string('1', 10_000) + ",1\n");

        var e = ReadFails(path, new CsvDatasetReaderOptions { MaxLineLength = 100 });

        AssertLocated(e, path, 2);
        Assert.Contains("MaxLineLength", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_accepts_a_line_of_exactly_MaxLineLength_with_a_crlf_ending()
    {
        string path = _dir.WriteText("exact.csv", "10,0\r\n20,1\r\n");

        Assert.Equal(2, new CsvDatasetReader(new CsvDatasetReaderOptions { MaxLineLength = 4 }).Read(path).Count);
    }

    [Fact]
    public void Read_rejects_decompressed_text_larger_than_MaxBytes()
    {
        // 20,000 identical rows compress to a few hundred bytes: the bound is on the decompressed text.
        string path = _dir.File("bomb.csv.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Optimal))
        {
            var row = Encoding.UTF8.GetBytes("1,2,3,0\n");
            for (int i = 0; i < 20_000; i++)
            {
                gzip.Write(row);
            }
        }

        var e = ReadFails(path, new CsvDatasetReaderOptions { MaxBytes = 10_000 });

        Assert.Equal(path, e.FileName);
        Assert.NotNull(e.LineNumber);
        Assert.Contains("MaxBytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_csv_gz_file_that_is_not_gzip()
    {
        string path = _dir.WriteText("plain.csv.gz", "1,2,0\n3,4,1\n");

        var e = ReadFails(path);

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("gzip", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_rejects_a_file_name_without_a_csv_extension()
    {
        string path = _dir.WriteText("data.txt", "1,0\n2,1\n");

        var e = ReadFails(path);

        Assert.Contains(".csv or .csv.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_reports_every_invalid_option_in_one_message()
    {
        var options = new CsvDatasetReaderOptions { MaxRows = 0, MaxColumns = 1, ExpectedClassCount = 1 };

        var e = Assert.Throws<ArgumentException>(() => new CsvDatasetReader(options));

        Assert.Contains("MaxRows", e.Message, StringComparison.Ordinal);
        Assert.Contains("MaxColumns", e.Message, StringComparison.Ordinal);
        Assert.Contains("ExpectedClassCount", e.Message, StringComparison.Ordinal);
    }
}
