using FedEdge.Sensors.Datasets;

namespace FedEdge.Sensors.Tests.Datasets;

public sealed class SharedDataSetsTests
{
    [Fact]
    public void TryFind_locates_the_digits_the_test_helper_locates()
    {
        string? found = FedEdge.Sensors.Datasets.SharedDataSets.TryFind(FedEdge.Sensors.Datasets.SharedDataSets.DigitsFileName);
        Assert.NotNull(found);
        Assert.Equal(Path.GetFullPath(FedEdge.Tests.Shared.SharedDataFiles.DigitsPath()), Path.GetFullPath(found));
    }

    [Fact]
    public void A_missing_file_is_null_from_TryFind_and_a_FileNotFoundException_naming_it_from_Find()
    {
        Assert.Null(FedEdge.Sensors.Datasets.SharedDataSets.TryFind("no-such-data.csv"));
        var ex = Assert.Throws<FileNotFoundException>(() => FedEdge.Sensors.Datasets.SharedDataSets.Find("no-such-data.csv"));
        Assert.Contains("no-such-data.csv", ex.Message, StringComparison.Ordinal);
    }
}
