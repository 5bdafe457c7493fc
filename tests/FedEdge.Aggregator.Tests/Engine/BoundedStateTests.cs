using FedEdge.Aggregation.Engine;
using FedEdge.Core.Aggregation;
using FedEdge.Protocol.Topics;
using Microsoft.Extensions.Logging;

namespace FedEdge.Aggregator.Tests.Engine;

/// <summary>What a device can make the aggregator hold: labels, status work, log lines — all bounded.</summary>
public class BoundedStateTests
{
    private static async Task<int> MemoryClassSeries(EngineHarness h) =>
        (await h.Metrics.ExportAsync(TestContext.Current.CancellationToken)).Split('\n').Count(l => l.StartsWith("fededge_devices_seen{", StringComparison.Ordinal));

    [Fact]
    public async Task Two_hundred_thousand_statuses_each_with_a_new_memory_class_leave_a_bounded_label_count()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        for (int i = 0; i < 200_000; i++)
        {
            string device = "dev-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(h.Engine.ObserveStatus(TopicScheme.Status(UpdateFactory.Fleet, device), h.Status(device, "class-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        h.ObserveStatus("a-pi4", "pi4");

        Assert.Equal(2, await MemoryClassSeries(h)); // "other" and "pi4"
        Assert.All(h.Engine.CurrentPace().Windows, w => Assert.Contains(w.MemoryClass, new[] { "other", "pi4" }));
    }

    [Fact]
    public void A_device_sending_statuses_faster_than_its_rate_has_the_excess_dropped_and_counted()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff)); // burst 10, 10 a minute
        int processed = 0;
        for (int i = 0; i < 100; i++)
        {
            processed += h.ObserveStatus("dev-a") ? 1 : 0;
        }

        Assert.Equal(10, processed);
        Assert.Equal(90, h.Metrics.StatusesDropped.Value);

        h.Time.Advance(TimeSpan.FromSeconds(30)); // five tokens back
        processed = 0;
        for (int i = 0; i < 100; i++)
        {
            processed += h.ObserveStatus("dev-a") ? 1 : 0;
        }

        Assert.Equal(5, processed);
        Assert.True(h.ObserveStatus("dev-b"), "another device has its own bucket");
    }

    [Fact]
    public void Rejection_log_lines_are_limited_per_minute_while_the_metric_counts_every_rejection()
    {
        var logger = new RecordingLogger();
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff), logger: logger);
        for (int i = 0; i < 1000; i++)
        {
            h.Engine.Receive(UpdateFactory.Topic("dev-a"), [0xFF, 0xFF, (byte)i]);
        }

        Assert.Equal(1000, h.Metrics.Rejected.WithLabels(nameof(RejectionReason.Malformed)).Value);
        Assert.Equal(20, logger.Lines.Count(l => l.Id == 120));

        h.Time.Advance(TimeSpan.FromMinutes(1));
        h.Engine.Receive(UpdateFactory.Topic("dev-a"), [0xFF]);

        var summary = Assert.Single(logger.Lines, l => l.Id == 122);
        Assert.Contains("980", summary.Text, StringComparison.Ordinal);
        Assert.Equal(21, logger.Lines.Count(l => l.Id == 120));
    }

    [Fact]
    public void The_duplicate_store_keeps_only_the_staleness_window_and_stays_under_its_size_bound()
    {
        // K = 1, τmax = 5: after 300 steps only ids trained from the last 6 versions remain, and never more than the bound
        var options = EngineHarness.Options4x2(StrategyKind.FedBuff, k: 1);
        options.MaxSeenUpdateIds = 100;
        using var h = new EngineHarness(options);
        float[] delta = [0.01f, 0, 0, 0, 0, 0, 0, 0];
        for (int i = 0; i < 300; i++)
        {
            var result = h.Engine.Receive(UpdateFactory.Topic("dev-" + (i % 40)), UpdateFactory.Bytes("dev-" + (i % 40), i, h.Engine.CurrentVersion, delta));
            Assert.Equal(Aggregation.Validation.IntakeOutcome.Accepted, result.Verdict.Kind);
        }

        Assert.InRange(h.Store.SeenCount(), 1, 7);

        // a redelivery of an early update is still not aggregated again: too stale now
        var again = h.Engine.Receive(UpdateFactory.Topic("dev-0"), UpdateFactory.Bytes("dev-0", 0, 1, delta));
        Assert.Equal(RejectionReason.TooStale, again.Verdict.Reason);
    }

    [Fact]
    public void The_duplicate_store_is_cut_to_its_size_bound_oldest_first()
    {
        using var dir = new TempDirectory();
        using var store = Aggregation.State.AggregatorStateStore.Open(dir.File("state.db"));
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < 500; i++)
        {
            store.TryAccept(new Aggregation.State.BufferedUpdate(UpdateFactory.Id(i), "dev", 50, at, 10, [1]));
            store.CommitModel(new Aggregation.State.StoredModel(i + 1, at, [0], [0]), [UpdateFactory.Id(i)]);
        }

        Assert.Equal(400, store.PruneSeen(0, 100));
        Assert.Equal(100, store.SeenCount());
        Assert.True(store.IsSeen(UpdateFactory.Id(499)));
        Assert.False(store.IsSeen(UpdateFactory.Id(0)));
    }

    [Fact]
    public void The_size_bound_holds_across_steps_rolled_back_batches_and_reopening()
    {
        // the store keeps its row count between prunes (to skip the bound's scan while within it): the count must follow
        // accepts, prunes, a rolled-back batch (whose accepts never happened) and a reopened file
        using var dir = new TempDirectory();
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        void Accept(Aggregation.State.AggregatorStateStore store, int from, int count)
        {
            for (int i = from; i < from + count; i++)
            {
                Assert.Equal(Aggregation.State.AcceptOutcome.Accepted, store.TryAccept(new Aggregation.State.BufferedUpdate(UpdateFactory.Id(i), "dev", 50, at, 10, [1])));
                store.CommitModel(new Aggregation.State.StoredModel(i + 1, at, [0], [0]), [UpdateFactory.Id(i)]);
            }
        }

        using (var store = Aggregation.State.AggregatorStateStore.Open(dir.File("state.db")))
        {
            Accept(store, 0, 150);
            Assert.Equal(50, store.PruneSeen(0, 100));
            Assert.Equal(0, store.PruneSeen(0, 100));
            Accept(store, 150, 30);
            using (store.BeginBatch())
            {
                Accept(store, 1000, 40);
            }

            Assert.Equal(30, store.PruneSeen(0, 100));
            Assert.Equal(100, store.SeenCount());
            Accept(store, 180, 5);
        }

        using var reopened = Aggregation.State.AggregatorStateStore.Open(dir.File("state.db"));
        Assert.Equal(5, reopened.PruneSeen(0, 100));
        Assert.Equal(100, reopened.SeenCount());
        Assert.True(reopened.IsSeen(UpdateFactory.Id(184)));
        Assert.False(reopened.IsSeen(UpdateFactory.Id(84)));
        Assert.False(reopened.IsSeen(UpdateFactory.Id(1000)));
    }

    [Fact]
    public void The_update_rate_counts_refused_updates_and_survives_a_restart()
    {
        // 3 an hour: two refused (no DP) and one accepted use the hour up; after a restart the fourth is still refused
        var options = EngineHarness.Options4x2(StrategyKind.FedBuff, k: 1);
        options.Validation.MaxUpdatesPerDevicePerHour = 3;
        using var h = new EngineHarness(options);
        float[] delta = [0.01f, 0, 0, 0, 0, 0, 0, 0];
        for (int i = 0; i < 2; i++)
        {
            var noDp = UpdateFactory.Message("dev-a", i, 1, delta);
            noDp.Dp = new FedEdge.Protocol.Wire.DpParameters { Mechanism = FedEdge.Protocol.Wire.DpMechanism.None };
            Assert.Equal(RejectionReason.NoDifferentialPrivacy, h.Engine.Receive(UpdateFactory.Topic("dev-a"), Google.Protobuf.MessageExtensions.ToByteArray(noDp)).Verdict.Reason);
        }

        Assert.Equal(Aggregation.Validation.IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 2, 1, delta)).Verdict.Kind);
        using var restarted = h.Restart();

        Assert.Equal(RejectionReason.RateLimited, restarted.Engine.Receive(UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 3, 1, delta)).Verdict.Reason);
        restarted.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(Aggregation.Validation.IntakeOutcome.Accepted, restarted.Engine.Receive(UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 4, 1, delta)).Verdict.Kind);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(int Id, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((eventId.Id, formatter(state, exception)));
    }
}
