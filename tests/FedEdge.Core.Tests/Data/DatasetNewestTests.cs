using FedEdge.Core.Data;

namespace FedEdge.Core.Tests.Data;

public sealed class DatasetNewestTests
{
    private static Dataset Rows(int count) =>
        new([.. Enumerable.Range(0, count * 2).Select(i => (float)i)], [.. Enumerable.Range(0, count).Select(i => i % 3)], 2, 3);

    [Fact]
    public void Newest_keeps_the_last_rows_in_order()
    {
        var newest = Rows(10).Newest(3);
        Assert.Equal([1, 2, 0], newest.Labels.ToArray()); // rows 7, 8, 9
        Assert.Equal([14f, 15f, 16f, 17f, 18f, 19f], newest.Features.ToArray());
    }

    [Fact]
    public void Newest_returns_every_row_when_asked_for_more_than_there_are()
    {
        Assert.Equal(4, Rows(4).Newest(100).Count);
    }
}
