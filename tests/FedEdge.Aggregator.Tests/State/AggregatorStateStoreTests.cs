using FedEdge.Aggregation.State;

namespace FedEdge.Aggregator.Tests.State;

public sealed class AggregatorStateStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("state.db");

    private static BufferedUpdate Update(byte id, string device = "dev-1", long baseVersion = 1) =>
        new(Enumerable.Repeat(id, 16).ToArray(), device, baseVersion, T0.AddSeconds(id), 10 + id, [id, 1, 2, 3]);

    [Fact]
    public void An_accepted_update_is_buffered_and_a_redelivery_is_a_duplicate()
    {
        using var store = AggregatorStateStore.Open(DbPath);
        Assert.Equal(AcceptOutcome.Accepted, store.TryAccept(Update(1)));
        Assert.Equal(AcceptOutcome.Duplicate, store.TryAccept(Update(1)));
        Assert.Single(store.Buffer());
        Assert.True(store.IsSeen(Update(1).UpdateId));
    }

    [Fact]
    public void The_buffer_survives_reopening_in_acceptance_order()
    {
        using (var store = AggregatorStateStore.Open(DbPath))
        {
            store.TryAccept(Update(3));
            store.TryAccept(Update(1));
            store.TryAccept(Update(2));
        }

        using var reopened = AggregatorStateStore.Open(DbPath);
        var buffer = reopened.Buffer();
        Assert.Equal(new byte[] { 3, 1, 2 }, buffer.Select(b => b.UpdateId[0]));
        Assert.Equal(Update(1).Message, buffer[1].Message);
        Assert.Equal(11, buffer[1].SampleCount);
        Assert.Equal(T0.AddSeconds(1), buffer[1].ReceivedAt);
    }

    [Fact]
    public void Committing_a_model_consumes_its_updates_and_they_stay_duplicates_afterwards()
    {
        using var store = AggregatorStateStore.Open(DbPath);
        store.TryAccept(Update(1));
        store.TryAccept(Update(2));
        store.TryAccept(Update(3));
        store.CommitModel(new StoredModel(2, T0, [9, 9], [7]), [Update(1).UpdateId, Update(2).UpdateId]);
        Assert.Equal(new byte[] { 3 }, store.Buffer().Select(b => b.UpdateId[0]));
        Assert.Equal(2, store.LatestModel()!.Version);
        Assert.Equal(AcceptOutcome.Duplicate, store.TryAccept(Update(1)));
    }

    [Fact]
    public void Only_the_newest_model_versions_are_kept()
    {
        using var store = AggregatorStateStore.Open(DbPath);
        for (int v = 1; v <= 10; v++)
        {
            store.CommitModel(new StoredModel(v, T0, [(byte)v], [(byte)v]), [], keepVersions: 3);
        }

        Assert.Equal(10, store.LatestModel()!.Version);
        Assert.Equal(new byte[] { 10 }, store.LatestModel()!.Parameters);
    }

    [Fact]
    public void Pruning_seen_ids_never_forgets_a_buffered_one()
    {
        using var store = AggregatorStateStore.Open(DbPath);
        store.TryAccept(Update(1));
        store.TryAccept(Update(2));
        store.CommitModel(new StoredModel(2, T0, [], []), [Update(1).UpdateId]);
        Assert.Equal(1, store.PruneSeen(T0.AddDays(1)));
        Assert.False(store.IsSeen(Update(1).UpdateId));
        Assert.True(store.IsSeen(Update(2).UpdateId));
    }

    [Fact]
    public void Metadata_round_trips_and_overwrites()
    {
        using var store = AggregatorStateStore.Open(DbPath);
        Assert.Null(store.GetMeta("ftte.subset"));
        store.SetMeta("ftte.subset", "a");
        store.SetMeta("ftte.subset", "b");
        Assert.Equal("b", store.GetMeta("ftte.subset"));
    }

    [Fact]
    public void A_batch_that_is_not_committed_leaves_nothing_behind()
    {
        using (var store = AggregatorStateStore.Open(DbPath))
        {
            using (store.BeginBatch())
            {
                Assert.Equal(AcceptOutcome.Accepted, store.TryAccept(Update(1)));
                Assert.Equal(AcceptOutcome.Duplicate, store.TryAccept(Update(1)));
                store.TryAccept(Update(2));
            }

            Assert.Empty(store.Buffer());
        }

        using var reopened = AggregatorStateStore.Open(DbPath);
        Assert.Empty(reopened.Buffer());
        Assert.False(reopened.IsSeen(Update(1).UpdateId));
    }

    [Fact]
    public void A_committed_batch_persists_every_change_at_once()
    {
        using (var store = AggregatorStateStore.Open(DbPath))
        {
            using var batch = store.BeginBatch();
            store.TryAccept(Update(1));
            store.TryAccept(Update(2));
            store.CommitModel(new StoredModel(2, T0, [1], [2]), [Update(1).UpdateId]);
            batch.Commit();
        }

        using var reopened = AggregatorStateStore.Open(DbPath);
        Assert.Equal(new byte[] { 2 }, reopened.Buffer().Select(b => b.UpdateId[0]));
        Assert.Equal(2, reopened.LatestModel()!.Version);
    }

    public void Dispose() => _dir.Dispose();
}
