using FedEdge.Sensors.Storage;

namespace FedEdge.Sensors.Tests.Storage;

public class SampleStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static SampleStoreOptions Options(TempDirectory dir, int featureCount = 4, int maxRows = 1000, int minRows = 0, double maxMegabytes = 32) => new()
    {
        Path = dir.File("samples.db"),
        FeatureCount = featureCount,
        ClassCount = 5,
        MaxRows = maxRows,
        MinRows = minRows,
        MaxMegabytes = maxMegabytes,
    };

    // Row i carries feature value i in every column and label i % 5, so order is checkable.
    private static void AppendRows(SampleStore store, int from, int count, int featureCount = 4)
    {
        var features = new float[featureCount];
        for (int i = from; i < from + count; i++)
        {
            Array.Fill(features, i);
            store.Append(T0.AddSeconds(i), features, i % 5);
        }
    }

    [Fact]
    public void ReadAll_returns_appended_samples_oldest_first()
    {
        using var dir = new TempDirectory();
        using var store = new SampleStore(Options(dir));
        AppendRows(store, 0, 3);

        var data = store.ReadAll();

        Assert.Equal(3, data.Count);
        Assert.Equal([0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f, 2f, 2f, 2f, 2f], data.Features.ToArray());
        Assert.Equal([0, 1, 2], data.Labels.ToArray());
    }

    [Fact]
    public void Over_the_row_cap_the_oldest_rows_are_evicted_first()
    {
        using var dir = new TempDirectory();
        using var store = new SampleStore(Options(dir, maxRows: 10));
        AppendRows(store, 0, 25);

        var data = store.ReadAll();

        Assert.Equal(10, store.Count);
        Assert.Equal(15f, data.Row(0)[0]);
        Assert.Equal(24f, data.Row(9)[0]);
    }

    [Fact]
    public void The_size_cap_is_respected()
    {
        using var dir = new TempDirectory();
        var options = Options(dir, featureCount: 64, maxRows: 100_000, maxMegabytes: 0.1);
        using var store = new SampleStore(options);
        AppendRows(store, 0, 2000, featureCount: 64);

        Assert.InRange(store.SizeBytes, 1, (long)(0.1 * 1024 * 1024));
        Assert.InRange(store.Count, 1, 1999);
        var data = store.ReadAll();
        Assert.Equal(1999f, data.Row(data.Count - 1)[0]);
        Assert.Equal(2000 - store.Count, (long)data.Row(0)[0]);
    }

    [Fact]
    public void Eviction_never_goes_below_the_minimum_rows()
    {
        using var dir = new TempDirectory();
        var options = Options(dir, featureCount: 64, maxRows: 100_000, minRows: 600, maxMegabytes: 0.1);
        using var store = new SampleStore(options);
        AppendRows(store, 0, 700, featureCount: 64);

        // 600 rows of 256 feature bytes do not fit in 0.1 MB with SQLite's overhead, yet 600 stay.
        Assert.Equal(600, store.Count);
        Assert.True(store.SizeBytes > (long)(0.1 * 1024 * 1024));
    }

    [Fact]
    public void Samples_survive_closing_and_reopening()
    {
        using var dir = new TempDirectory();
        var options = Options(dir);
        using (var store = new SampleStore(options))
        {
            AppendRows(store, 0, 7);
        }

        using var reopened = new SampleStore(options);

        Assert.Equal(7, reopened.Count);
        Assert.Equal(6f, reopened.ReadAll().Row(6)[3]);
    }

    [Fact]
    public void ReadNewest_returns_the_last_n_oldest_first()
    {
        using var dir = new TempDirectory();
        using var store = new SampleStore(Options(dir));
        AppendRows(store, 0, 10);

        var data = store.ReadNewest(3);

        Assert.Equal([7, 8, 9], Enumerable.Range(0, 3).Select(i => (int)data.Row(i)[0]).ToArray());
        Assert.Equal([2, 3, 4], data.Labels.ToArray());
    }

    [Fact]
    public void A_sample_with_a_NaN_feature_is_rejected_naming_the_feature()
    {
        using var dir = new TempDirectory();
        using var store = new SampleStore(Options(dir));

        var ex = Assert.Throws<ArgumentException>(() => store.Append(T0, [1f, 2f, float.NaN, 4f], 0));

        Assert.Contains("Feature 2 is NaN", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void A_label_out_of_range_is_rejected()
    {
        using var dir = new TempDirectory();
        using var store = new SampleStore(Options(dir));

        Assert.Throws<ArgumentOutOfRangeException>(() => store.Append(T0, [1f, 2f, 3f, 4f], 5));
    }

    [Fact]
    public void Reopening_with_another_feature_count_is_a_format_error()
    {
        using var dir = new TempDirectory();
        using (new SampleStore(Options(dir, featureCount: 4)))
        {
        }

        var ex = Assert.Throws<SampleStoreFormatException>(() => new SampleStore(Options(dir, featureCount: 14)));

        Assert.Contains("feature_count = 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_database_uses_the_wal_journal()
    {
        using var dir = new TempDirectory();
        using (var store = new SampleStore(Options(dir)))
        {
            AppendRows(store, 0, 1);
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("samples.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", command.ExecuteScalar() as string);
    }

    [Fact]
    public void Options_with_min_rows_above_max_rows_are_rejected()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<ArgumentException>(() => new SampleStore(Options(dir, maxRows: 5, minRows: 10)));

        Assert.Contains(nameof(SampleStoreOptions.MinRows), ex.Message, StringComparison.Ordinal);
    }
}
