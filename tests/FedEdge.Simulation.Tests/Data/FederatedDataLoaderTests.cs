using FedEdge.Simulation.Data;

namespace FedEdge.Simulation.Tests.Data;

public sealed class FederatedDataLoaderTests
{
    [Fact]
    public async Task Natural_synthetic_data_gives_each_device_its_own_home_with_a_quarter_held_out()
    {
        var data = await FederatedDataLoader.LoadAsync(new DatasetSource(DatasetKind.Synthetic), PartitionSpec.Natural, 6, 40, 0, TestContext.Current.CancellationToken);
        Assert.Equal(6, data.Train.Count);
        Assert.All(data.Train, t => Assert.Equal(30, t.Count));
        Assert.All(data.DeviceTest, t => Assert.Equal(10, t.Count));
        Assert.Equal(60, data.Test.Count);
        Assert.Equal(14, data.FeatureCount);
    }

    [Fact]
    public async Task Digits_are_split_into_a_pooled_test_set_and_device_shards_that_together_cover_every_row()
    {
        var data = await FederatedDataLoader.LoadAsync(new DatasetSource(DatasetKind.Digits, SharedDataFiles.DigitsPath()), PartitionSpec.Dirichlet(0.3), 20, 0, 1, TestContext.Current.CancellationToken);
        int devices = data.Train.Sum(t => t.Count) + data.DeviceTest.Sum(t => t.Count);
        Assert.Equal(1797, devices + data.Test.Count);
        Assert.InRange(data.Test.Count, 355, 365);
        Assert.True(data.Test.Features.ToArray().All(v => v is >= 0 and <= 1), "digits are scaled by 1/16 into [0, 1]");
    }

    [Fact]
    public async Task A_natural_partition_of_a_file_is_refused_with_a_clear_message()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => FederatedDataLoader.LoadAsync(new DatasetSource(DatasetKind.Digits, SharedDataFiles.DigitsPath()), PartitionSpec.Natural, 5, 0, 0, TestContext.Current.CancellationToken));
        Assert.Contains("natural", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_seed_deals_the_same_data()
    {
        var a = await FederatedDataLoader.LoadAsync(new DatasetSource(DatasetKind.Digits, SharedDataFiles.DigitsPath()), PartitionSpec.Dirichlet(0.5), 10, 0, 5, TestContext.Current.CancellationToken);
        var b = await FederatedDataLoader.LoadAsync(new DatasetSource(DatasetKind.Digits, SharedDataFiles.DigitsPath()), PartitionSpec.Dirichlet(0.5), 10, 0, 5, TestContext.Current.CancellationToken);
        for (int d = 0; d < 10; d++)
        {
            Assert.Equal(a.Train[d].Labels.ToArray(), b.Train[d].Labels.ToArray());
            Assert.Equal(a.Train[d].Features.ToArray(), b.Train[d].Features.ToArray());
        }
    }
}
