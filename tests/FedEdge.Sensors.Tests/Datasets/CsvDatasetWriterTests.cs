using System.Runtime.InteropServices;
using System.Text;
using FedEdge.Core.Data;
using FedEdge.Sensors.Datasets;
using FsCheck.Xunit;

namespace FedEdge.Sensors.Tests.Datasets;

public sealed class CsvDatasetWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dataset Sample() => new(
        [0.5f, -2f, 1e-3f, 3f, float.Epsilon, -0f, float.MaxValue, 1f / 3f, -1.17549435E-38f],
        [1, 0, 2],
        3,
        3);

    private static void AssertIdentical(Dataset expected, Dataset actual)
    {
        Assert.Equal(expected.FeatureCount, actual.FeatureCount);
        Assert.Equal(expected.ClassCount, actual.ClassCount);
        Assert.Equal(expected.Labels.ToArray(), actual.Labels.ToArray());

        // Bit patterns, so that -0 and subnormals count too.
        Assert.Equal(MemoryMarshal.AsBytes(expected.Features).ToArray(), MemoryMarshal.AsBytes(actual.Features).ToArray());
    }

    [Fact]
    public void Write_puts_features_then_label_with_invariant_decimal_points()
    {
        var data = new Dataset([0.5f, -2f, 1.25f, 3f], [1, 0], 2, 2);
        using var stream = new MemoryStream();

        CsvDatasetWriter.Write(data, stream);

        Assert.Equal("0.5,-2,1\n1.25,3,0\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Round_trip_through_a_csv_file_reproduces_the_data_set_exactly()
    {
        string path = _dir.File("round.csv");

        CsvDatasetWriter.Write(Sample(), path);
        var back = new CsvDatasetReader().Read(path);

        AssertIdentical(Sample(), back);
    }

    [Fact]
    public void Round_trip_through_a_csv_gz_file_reproduces_the_data_set_exactly()
    {
        string path = _dir.File("round.csv.gz");

        CsvDatasetWriter.Write(Sample(), path);
        var back = new CsvDatasetReader().Read(path);

        AssertIdentical(Sample(), back);
    }

    [Fact]
    public void Write_to_a_gz_path_produces_gzip_data()
    {
        string path = _dir.File("round.csv.gz");

        CsvDatasetWriter.Write(Sample(), path);

        byte[] head = File.ReadAllBytes(path)[..2];
        Assert.Equal(new byte[] { 0x1f, 0x8b }, head); // RFC 1952 §2.3.1 magic
    }

    [Property(MaxTest = 200)]
    public bool Round_trip_preserves_the_bits_of_any_finite_float(int[] bits)
    {
        var values = bits.Select(BitConverter.Int32BitsToSingle).Where(float.IsFinite).ToArray();
        if (values.Length == 0)
        {
            return true;
        }

        var labels = Enumerable.Range(0, values.Length).Select(i => i % 2).ToArray();
        var data = new Dataset(values, labels, 1, 2);
        using var stream = new MemoryStream();
        CsvDatasetWriter.Write(data, stream);
        stream.Position = 0;

        var back = new CsvDatasetReader(new CsvDatasetReaderOptions { ExpectedClassCount = 2 }).Read(stream, "memory");

        return MemoryMarshal.AsBytes(data.Features).SequenceEqual(MemoryMarshal.AsBytes(back.Features))
            && data.Labels.SequenceEqual(back.Labels);
    }
}
