using System.Security.Cryptography;
using System.Text.RegularExpressions;
using FedEdge.Sensors.Datasets;

namespace FedEdge.Sensors.Tests.Datasets;

/// <summary>
/// Reads the real UCI optical digits file the repository ships (data/digits.csv.gz). Expected figures are the
/// data set's published shape (1,797 rows, 8×8 = 64 pixels of 0–16, digits 0–9) and its per-class
/// counts as tallied by `awk -F, '{c[$NF]++}'` over the decompressed file, independent of the reader.
/// </summary>
public class DigitsDatasetTests
{
    [Fact]
    public void Read_loads_1797_rows_of_64_features_and_10_classes()
    {
        var digits = new CsvDatasetReader().Read(SharedDataFiles.DigitsPath());

        Assert.Equal(1797, digits.Count);
        Assert.Equal(64, digits.FeatureCount);
        Assert.Equal(10, digits.ClassCount);
    }

    [Fact]
    public void Read_gives_pixel_values_between_0_and_16()
    {
        var digits = new CsvDatasetReader().Read(SharedDataFiles.DigitsPath());

        foreach (float pixel in digits.Features)
        {
            Assert.InRange(pixel, 0f, 16f);
            Assert.Equal(MathF.Round(pixel), pixel);
        }
    }

    [Fact]
    public void Read_gives_the_per_class_counts_tallied_independently_with_awk()
    {
        var digits = new CsvDatasetReader().Read(SharedDataFiles.DigitsPath());

        var counts = new int[10];
        foreach (int label in digits.Labels)
        {
            counts[label]++;
        }

        Assert.Equal(new[] { 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 }, counts);
    }

    [Fact]
    public async Task ReadAsync_gives_the_same_data_as_Read()
    {
        string path = SharedDataFiles.DigitsPath();
        var reader = new CsvDatasetReader();

        var sync = reader.Read(path);
        var async = await reader.ReadAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(sync.Features.ToArray(), async.Features.ToArray());
        Assert.Equal(sync.Labels.ToArray(), async.Labels.ToArray());
    }

    [Fact]
    public void Read_first_row_matches_the_file_text()
    {
        // First line of the file: 0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,... label 0.
        var digits = new CsvDatasetReader().Read(SharedDataFiles.DigitsPath());

        Assert.Equal(new float[] { 0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0 }, digits.Row(0)[..16].ToArray());
        Assert.Equal(0, digits.Label(0));
    }

    [Fact]
    public void The_shipped_file_has_the_sha256_that_data_readme_states()
    {
        // data/README.md is the file's provenance record; a replaced file must not keep an old record.
        string path = SharedDataFiles.DigitsPath();
        string readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(path)!, "README.md"));
        var stated = Regex.Match(readme, "SHA-256: `([0-9a-f]{64})`");
        Assert.True(stated.Success, "data/README.md states no SHA-256 for digits.csv.gz");

        Assert.Equal(stated.Groups[1].Value, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
    }
}
