using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Aggregator.Tests.Engine;

public class AggregationEngineTests
{
    // logreg-3-2: dense0.weight [3,2] then dense0.bias [2] — the same 8-value layout as UpdateFactory.Layout.
    private static readonly float[] D1 = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f];
    private static readonly float[] D2 = [-0.1f, 0.0f, 0.1f, 0.2f, -0.3f, 0.4f, 0.0f, 0.2f];
    private static readonly float[] D3 = [0.3f, -0.2f, 0.5f, 0.0f, 0.1f, 0.2f, -0.1f, 0.4f];

    private static IntakeResult Send(EngineHarness h, string device, int id, float[] delta, long? baseVersion = null, ulong samples = 10) =>
        h.Engine.Receive(UpdateFactory.Topic(device), UpdateFactory.Bytes(device, id, baseVersion ?? h.Engine.CurrentVersion, delta, samples));

    [Theory]
    [InlineData(StrategyKind.FedBuff)]
    [InlineData(StrategyKind.FedAvg)]
    public void An_update_from_a_version_not_yet_published_is_refused_once_with_the_one_rejection_reason(StrategyKind strategy)
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(strategy));

        var result = Send(h, "dev-a", 1, D1, baseVersion: 9);

        Assert.Equal(IntakeOutcome.Rejected, result.Verdict.Kind);
        Assert.Equal(RejectionReason.FutureBaseVersion, result.Verdict.Reason);
        Assert.Equal(1, h.Metrics.Rejected.WithLabels(nameof(RejectionReason.FutureBaseVersion)).Value);
    }

    [Fact]
    public void A_new_engine_publishes_a_signed_version_1_of_the_seeded_initial_model()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        Assert.Equal(1, h.Engine.CurrentVersion);
        var model = GlobalModel.Parser.ParseFrom(h.Engine.CurrentModelMessage.Span);
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(h.Key)], UpdateFactory.Fleet, model.ArchitectureHash.ToByteArray());
        Assert.True(verifier.Verify(model).Succeeded);
        var expected = ModelArchitecture.Parse("logreg-3-2").InitialParameters(new Random(7));
        Assert.Equal(expected.Buffer, Decode(model));
    }

    [Fact]
    public void FedBuff_steps_after_K_fresh_updates_by_their_mean()
    {
        // K = 3, η = 1, all staleness 0 (s = 1): global₂ = global₁ + (D1 + D2 + D3)/3.
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        var before = h.Engine.Global.Buffer;
        Assert.Null(Send(h, "dev-a", 1, D1).NewModel);
        Assert.Null(Send(h, "dev-b", 2, D2).NewModel);
        var step = Send(h, "dev-c", 3, D3);
        Assert.NotNull(step.NewModel);
        Assert.Equal(2, h.Engine.CurrentVersion);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(before[i] + ((D1[i] + D2[i] + D3[i]) / 3f), h.Engine.Global.Buffer[i], 6);
        }

        Assert.Equal(h.Engine.Global.Buffer, Decode(GlobalModel.Parser.ParseFrom(step.NewModel.SignedMessage)));
        Assert.Equal(0, h.Engine.BufferCount);
    }

    [Fact]
    public void A_stale_update_weighs_less_in_FedBuff()
    {
        // one step first, then K updates of which one has staleness 1: s(1) = 1/√2.
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff, k: 2));
        Send(h, "dev-a", 1, D1);
        Send(h, "dev-b", 2, D2);
        var before = h.Engine.Global.Buffer;
        Send(h, "dev-a", 3, D3, baseVersion: 1);
        Send(h, "dev-b", 4, D1, baseVersion: 2);
        for (int i = 0; i < 8; i++)
        {
            float expected = before[i] + (float)(((D3[i] / Math.Sqrt(2)) + D1[i]) / 2);
            Assert.Equal(expected, h.Engine.Global.Buffer[i], 6);
        }
    }

    [Fact]
    public void After_a_restart_the_buffer_is_intact_and_the_result_is_bit_identical_to_an_uninterrupted_run()
    {
        float[] uninterrupted;
        using (var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff)))
        {
            Send(h, "dev-a", 1, D1);
            Send(h, "dev-b", 2, D2);
            Send(h, "dev-c", 3, D3);
            uninterrupted = h.Engine.Global.Buffer;
        }

        using var first = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        Send(first, "dev-a", 1, D1);
        Send(first, "dev-b", 2, D2);
        using var second = first.Restart();
        Assert.Equal(2, second.Engine.BufferCount);
        Assert.Equal(IntakeOutcome.Duplicate, Send(second, "dev-b", 2, D2).Verdict.Kind);
        Send(second, "dev-c", 3, D3);
        Assert.Equal(uninterrupted, second.Engine.Global.Buffer);
    }

    [Fact]
    public void An_update_redelivered_after_it_was_aggregated_is_not_counted_again()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        Send(h, "dev-a", 1, D1, baseVersion: 1);
        Send(h, "dev-b", 2, D2, baseVersion: 1);
        Send(h, "dev-c", 3, D3, baseVersion: 1);
        var result = Send(h, "dev-a", 1, D1, baseVersion: 1);
        Assert.Equal(IntakeOutcome.Duplicate, result.Verdict.Kind);
        Assert.Equal(0, h.Engine.BufferCount);
    }

    [Fact]
    public async Task Rejections_are_counted_by_reason_in_the_metrics()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        h.Engine.Receive(UpdateFactory.Topic("dev-a"), [1, 2, 3]);
        h.Engine.Receive(UpdateFactory.Topic("dev-b"), UpdateFactory.Bytes("dev-a", 1, 1, D1));
        string text = await h.Metrics.ExportAsync(TestContext.Current.CancellationToken);
        Assert.Contains("fededge_updates_rejected_total{reason=\"Malformed\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fededge_updates_rejected_total{reason=\"IdentityMismatch\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fededge_updates_received_total 2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_on_a_topic_outside_the_scheme_is_counted_not_dropped_in_silence()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        // a dotted device id: the broker's ACL pattern lets it through, the wire rule does not
        Assert.False(FedEdge.Protocol.Topics.TopicScheme.TryParse("fededge/v1/home/updates/kitchen.01", out _, out string? problem));

        h.Engine.RejectTopic("fededge/v1/home/updates/kitchen.01", problem);

        string text = await h.Metrics.ExportAsync(TestContext.Current.CancellationToken);
        Assert.Contains("fededge_updates_rejected_total{reason=\"UnexpectedTopic\"} 1", text, StringComparison.Ordinal);
        Assert.Equal(0, h.Engine.BufferCount);
    }

    [Fact]
    public void A_second_update_from_the_same_device_in_one_buffer_is_refused()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff));
        Send(h, "dev-a", 1, D1);
        Assert.Equal(RejectionReason.DeviceAlreadyBuffered, Send(h, "dev-a", 2, D2).Verdict.Reason);
    }

    [Fact]
    public void FedAvg_opens_a_round_for_a_sampled_cohort_and_refuses_devices_outside_it()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedAvg));
        foreach (string device in new[] { "dev-a", "dev-b", "dev-c", "dev-d" })
        {
            Assert.True(h.ObserveStatus(device));
        }

        h.Engine.Tick();
        var round = h.Engine.Round;
        Assert.NotNull(round);
        Assert.Equal(3, round.Cohort.Count);
        var pace = h.Engine.CurrentPace();
        Assert.Equal(round.Cohort, pace.Cohort);
        Assert.Equal(3u, pace.UpdatesWanted);

        string outsider = new[] { "dev-a", "dev-b", "dev-c", "dev-d" }.Except(round.Cohort).Single();
        Assert.Equal(RejectionReason.NotInCohort, Send(h, outsider, 9, D1).Verdict.Reason);

        // FedAvg weights by samples: 10, 30, 60 → 0.1, 0.3, 0.6
        var before = h.Engine.Global.Buffer;
        Send(h, round.Cohort[0], 1, D1, samples: 10);
        Send(h, round.Cohort[1], 2, D2, samples: 30);
        var closed = Send(h, round.Cohort[2], 3, D3, samples: 60);
        Assert.NotNull(closed.NewModel);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(before[i] + (0.1f * D1[i]) + (0.3f * D2[i]) + (0.6f * D3[i]), h.Engine.Global.Buffer[i], 5);
        }

        Assert.Equal(2, h.Engine.Round!.Number);
    }

    [Theory]
    [InlineData(DeviceState.ChargingWait)]
    [InlineData(DeviceState.ThermalWait)]
    [InlineData(DeviceState.BudgetExhausted)]
    public void FedAvg_leaves_devices_that_cannot_train_now_out_of_a_new_cohort(DeviceState waiting)
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedAvg));
        foreach (string device in new[] { "dev-a", "dev-b", "dev-c" })
        {
            Assert.True(h.ObserveStatus(device));
        }

        Assert.True(h.ObserveStatus("dev-d", state: waiting));
        h.Engine.Tick();

        Assert.Equal(["dev-a", "dev-b", "dev-c"], h.Engine.Round!.Cohort.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_device_back_from_waiting_is_eligible_for_the_next_cohort_again()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedAvg));
        h.ObserveStatus("dev-a");
        h.ObserveStatus("dev-b", state: DeviceState.ChargingWait);
        h.Engine.Tick();
        Assert.Null(h.Engine.Round); // one available device is below MinClients = 2

        h.ObserveStatus("dev-b");
        h.Engine.Tick();
        Assert.Equal(["dev-a", "dev-b"], h.Engine.Round!.Cohort.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_device_that_went_offline_by_status_or_by_availability_is_in_no_new_cohort(bool byAvailability)
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedAvg));
        foreach (string device in new[] { "dev-a", "dev-b", "dev-c" })
        {
            Assert.True(h.ObserveStatus(device));
        }

        Assert.True(byAvailability ? h.ObserveAvailability("dev-c", "offline") : h.ObserveStatus("dev-c", state: DeviceState.Offline));
        h.Engine.Tick();

        Assert.Equal(["dev-a", "dev-b"], h.Engine.Round!.Cohort.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_stale_status_does_not_bring_back_a_device_whose_availability_is_offline_until_it_is_online_again()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedAvg));
        h.ObserveStatus("dev-a");

        // a restarted aggregator gets the retained availability first and the stale retained status after it
        Assert.True(h.ObserveAvailability("dev-b", "offline"));
        Assert.True(h.ObserveStatus("dev-b"));
        h.Engine.Tick();
        Assert.Null(h.Engine.Round); // dev-a alone is below MinClients = 2

        Assert.True(h.ObserveAvailability("dev-b", "online"));
        Assert.True(h.ObserveStatus("dev-b"));
        h.Engine.Tick();
        Assert.Equal(["dev-a", "dev-b"], h.Engine.Round!.Cohort.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("dev-a", "gone", UpdateFactory.Fleet)]
    [InlineData("dev-a", "OFFLINE", UpdateFactory.Fleet)]
    [InlineData("dev-a", "offline", "other-fleet")]
    public void Availability_with_another_payload_or_of_another_fleet_is_ignored(string device, string payload, string fleet)
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedAvg));
        h.ObserveStatus("dev-a");
        h.ObserveStatus("dev-b");

        Assert.False(h.ObserveAvailability(device, payload, fleet));
        Assert.False(h.Engine.ObserveAvailability(TopicScheme.Status(UpdateFactory.Fleet, device), "offline"u8));
        h.Engine.Tick();

        Assert.Equal(["dev-a", "dev-b"], h.Engine.Round!.Cohort.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_FedAvg_round_with_too_few_updates_at_its_deadline_is_abandoned_and_a_new_one_opens()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedAvg));
        foreach (string device in new[] { "dev-a", "dev-b", "dev-c" })
        {
            h.ObserveStatus(device);
        }

        h.Engine.Tick();
        Send(h, h.Engine.Round!.Cohort[0], 1, D1);
        h.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Null(h.Engine.Tick());
        Assert.Equal(1, h.Engine.CurrentVersion);
        Assert.Equal(0, h.Engine.BufferCount);
        Assert.Equal(2, h.Engine.Round!.Number);
    }

    [Fact]
    public void FTTE_assigns_a_subset_under_the_smallest_budget_and_steps_only_inside_it()
    {
        var options = EngineHarness.Options4x2(StrategyKind.Ftte, k: 2);
        using var h = new EngineHarness(options);
        var subset = h.Engine.Subset;
        Assert.NotNull(subset);
        var model = GlobalModel.Parser.ParseFrom(h.Engine.CurrentModelMessage.Span);
        Assert.Single(model.Subsets);
        Assert.Equal(subset.ContentHash.ToArray(), model.Subsets[0].SubsetId.ToByteArray());

        var before = h.Engine.Global.Buffer;
        var codec = new SparseSubsetCodec(subset);
        foreach (var (device, id, delta) in new[] { ("dev-a", 2, D1), ("dev-b", 3, D2) })
        {
            var message = UpdateFactory.Message(device, id, 1, delta, codec: codec);
            message.SubsetId = ByteString.CopyFrom(subset.ContentHash);
            Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic(device), message.ToByteArray()).Verdict.Kind);
        }

        Assert.Equal(2, h.Engine.CurrentVersion);
        var inside = new HashSet<int>(subset.Indices.ToArray());
        for (int i = 0; i < 8; i++)
        {
            if (!inside.Contains(i))
            {
                Assert.Equal(before[i], h.Engine.Global.Buffer[i]);
            }
        }

        Assert.Contains(Enumerable.Range(0, 8), i => inside.Contains(i) && before[i] != h.Engine.Global.Buffer[i]);
    }

    [Fact]
    public void FTTE_lets_a_class_that_holds_the_whole_model_train_dense_and_moves_the_rest_only_by_dense_updates()
    {
        var options = EngineHarness.Options4x2(StrategyKind.Ftte, k: 2);
        options.Robust = FedEdge.Aggregation.Engine.RobustKind.None;
        using var h = new EngineHarness(options);

        // logreg-3-2 has 8 parameters (W 3×2, b 2); dense training needs 4·8 + 20·8 = 192 B (TrainingMemoryModel.Default).
        // A Zero 2 W with 100 B has 68 B beyond the resident weights: a subset pays 20 B per coordinate plus its gradient
        // copies (SubsetGradient: at least 2 values of W or b, counted twice: 16 B), so two coordinates fit (40 + 16 B)
        // and three never do (60 B + at least 16 B); the Pi 4 trains the whole model.
        h.ObserveStatus("dev-a", "pi4", budget: 1 << 20);
        h.ObserveStatus("dev-z", "pi-zero-2w", budget: 100);
        var first = h.Engine.Subset!;
        foreach (var (device, id) in new[] { ("dev-a", 1), ("dev-z", 2) })
        {
            var message = UpdateFactory.Message(device, id, 1, D1, codec: new SparseSubsetCodec(first));
            message.SubsetId = ByteString.CopyFrom(first.ContentHash);
            Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic(device), message.ToByteArray()).Verdict.Kind);
        }

        // version 2: the subset is re-chosen under the Zero 2 W's budget; the Pi 4 class is told to train everything
        Assert.Equal(2, h.Engine.CurrentVersion);
        var subset = h.Engine.Subset!;
        Assert.Equal(2, subset.Count);
        Assert.True(TrainingMemoryModel.Default.RequiredBytes(h.Engine.Architecture.Layout, subset) <= 100);
        var model = GlobalModel.Parser.ParseFrom(h.Engine.CurrentModelMessage.Span);
        Assert.Equal(["all", "pi4"], model.Subsets.Select(a => a.MemoryClass));
        Assert.True(SubsetIndexCoding.IsAll(model.Subsets[1]));
        Assert.Equal(subset.ContentHash.ToArray(), model.Subsets[0].SubsetId.ToByteArray());

        // a dense update (the Pi 4) and a sparse one (the Zero 2 W) in one buffer
        var before = h.Engine.Global.Buffer;
        Assert.Equal(IntakeOutcome.Accepted, Send(h, "dev-a", 3, D1).Verdict.Kind);
        var sparse = UpdateFactory.Message("dev-z", 4, 2, D2, codec: new SparseSubsetCodec(subset));
        sparse.SubsetId = ByteString.CopyFrom(subset.ContentHash);
        Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic("dev-z"), sparse.ToByteArray()).Verdict.Kind);
        Assert.Equal(3, h.Engine.CurrentVersion);

        // outside the subset only the dense update trained: it alone moves those coordinates, with weight 1 and s(0) = 1
        // (not halved by a sparse update's absent values); inside, both pool
        var inside = new HashSet<int>(subset.Indices.ToArray());
        for (int i = 0; i < 8; i++)
        {
            if (!inside.Contains(i))
            {
                Assert.Equal(before[i] + D1[i], h.Engine.Global.Buffer[i], 6);
            }
        }

        Assert.Contains(Enumerable.Range(0, 8), i => inside.Contains(i) && Math.Abs(h.Engine.Global.Buffer[i] - (before[i] + D1[i])) > 1e-4);
    }

    [Fact]
    public void FTTE_admits_an_update_over_the_subset_it_replaced_within_the_staleness_window_also_after_a_restart()
    {
        var options = EngineHarness.Options4x2(StrategyKind.Ftte, k: 2);
        var h = new EngineHarness(options);
        try
        {
            h.ObserveStatus("dev-a", "pi4", budget: 1 << 20);
            h.ObserveStatus("dev-z", "pi-zero-2w", budget: 100);
            var first = h.Engine.Subset!;
            byte[] Sparse(string device, int id, long baseVersion, float[] delta, ParameterSubset subset)
            {
                var message = UpdateFactory.Message(device, id, baseVersion, delta, codec: new SparseSubsetCodec(subset));
                message.SubsetId = ByteString.CopyFrom(subset.ContentHash);
                return message.ToByteArray();
            }

            Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic("dev-a"), Sparse("dev-a", 1, 1, D1, first)).Verdict.Kind);
            Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic("dev-z"), Sparse("dev-z", 2, 1, D2, first)).Verdict.Kind);
            Assert.Equal(2, h.Engine.CurrentVersion);
            Assert.NotEqual(first, h.Engine.Subset);

            // dev-b trained version 1 on the first subset and reports after the server re-chose it: one version stale, kept
            Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic("dev-b"), Sparse("dev-b", 3, 1, D3, first)).Verdict.Kind);

            // a subset never assigned is still refused
            var other = ParameterSubset.For(h.Engine.Architecture.Layout, [0]);
            Assert.Equal(RejectionReason.UnknownSubset, h.Engine.Receive(UpdateFactory.Topic("dev-c"), Sparse("dev-c", 4, 2, D1, other)).Verdict.Reason);

            // a restarted aggregator still knows the earlier subset: the buffered update is restored and pooled
            var restarted = h.Restart();
            h = restarted;
            Assert.Equal(1, h.Engine.BufferCount);
            Assert.Equal(IntakeOutcome.Accepted, Send(h, "dev-a", 5, D1).Verdict.Kind);
            Assert.Equal(3, h.Engine.CurrentVersion);
        }
        finally
        {
            h.Dispose();
        }
    }

    [Fact]
    public void A_buffered_pace_asks_for_K_per_step_interval_with_a_window_per_memory_class_however_full_the_buffer()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff, k: 4));
        h.ObserveStatus("dev-a", "pi4");
        h.ObserveStatus("dev-b", "pi4");
        h.ObserveStatus("dev-c", "pi-zero-2w");
        var empty = h.Engine.CurrentPace();
        Send(h, "dev-a", 1, D1);
        Send(h, "dev-b", 2, D2);
        var pace = h.Engine.CurrentPace();

        // the buffer refills continuously: the demand is K per step interval T whether it holds 0 or 2 updates, so the windows
        // do not stretch as it fills (sized by the free places, the last of K updates took T·(1 + ½ + … + 1/K))
        Assert.Equal(4u, empty.UpdatesWanted);
        Assert.Equal(4u, pace.UpdatesWanted);
        Assert.Equal(empty.Windows, pace.Windows);

        // W = n·T/K: pi4 2·60/4 = 30 s; pi-zero-2w 1·60/4 = 15 s
        Assert.Equal(15u, pace.Windows.Single(w => w.MemoryClass == "pi-zero-2w").WindowSeconds);
        Assert.Equal(30u, pace.Windows.Single(w => w.MemoryClass == "pi4").WindowSeconds);
    }

    [Fact]
    public void A_group_of_several_versions_is_applied_with_the_staleness_whose_weight_is_its_members_mean_weight()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff, k: 1));
        for (int i = 1; i <= 9; i++)
        {
            Assert.Equal(IntakeOutcome.Accepted, Send(h, $"dev-{i}", i, D1).Verdict.Kind);
        }

        Assert.Equal(10, h.Engine.CurrentVersion);

        // one version: that version
        Assert.Equal(7, h.Engine.EquivalentBaseVersion([7, 7, 7]));
        Assert.Equal(10, h.Engine.EquivalentBaseVersion([10]));
        // τ = 0, 3, 8: w̄ = (1 + 1/2 + 1/3) / 3 = 0.611111; τ = 1/w̄² − 1 = 1.677686 → 2, base 10 − 2 = 8 (the oldest would be 2)
        Assert.Equal(8, h.Engine.EquivalentBaseVersion([10, 7, 2]));
        // τ = 0 and 24: w̄ = (1 + 1/5) / 2 = 0.6; τ = 1/0.36 − 1 = 1.777778 → 2, base 8
        Assert.Equal(8, h.Engine.EquivalentBaseVersion([10, -14]));
        // a member newer than the model counts as fresh
        Assert.Equal(10, h.Engine.EquivalentBaseVersion([11, 10]));
        Assert.Throws<ArgumentException>(() => h.Engine.EquivalentBaseVersion([]));
    }

    [Fact]
    public void Pace_divides_the_windows_by_the_check_in_rate_the_fleets_updates_declare()
    {
        using var h = new EngineHarness(EngineHarness.Options4x2(StrategyKind.FedBuff, k: 4));
        foreach (string device in new[] { "dev-a", "dev-b", "dev-c", "dev-d", "dev-e", "dev-f" })
        {
            h.ObserveStatus(device, "pi4");
        }

        // before any update the fleet is taken to join every round (q = 1): W = n·T/K = 6·60/4 = 90 s
        Assert.Equal(90u, h.Engine.CurrentPace().Windows.Single().WindowSeconds);

        // two devices that join an offered round with probability 0.1 and 0.3: q = mean 0.2, K = 4,
        // W = n·q·T/K = 6·0.2·60/4 = 18 s (without q: 90 s, five times too few check-ins for the wanted updates)
        foreach ((string device, int id, double q) in new[] { ("dev-a", 1, 0.1), ("dev-b", 2, 0.3) })
        {
            var message = UpdateFactory.Message(device, id, 1, D1);
            message.Dp.SamplingRate = q;
            Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic(device), message.ToByteArray()).Verdict.Kind);
        }

        var pace = h.Engine.CurrentPace();
        Assert.Equal(4u, pace.UpdatesWanted);
        Assert.Equal(18u, pace.Windows.Single().WindowSeconds);
    }

    [Fact]
    public void Before_any_declaration_the_pace_uses_the_configured_check_in_rate_and_then_the_declared_ones()
    {
        var options = EngineHarness.Options4x2(StrategyKind.FedBuff, k: 4);
        options.Privacy.CheckInRate = 0.05;
        using var h = new EngineHarness(options);
        foreach (string device in new[] { "dev-a", "dev-b", "dev-c", "dev-d", "dev-e", "dev-f" })
        {
            h.ObserveStatus(device, "pi4");
        }

        // configured q = 0.05 (Agent:Privacy:CheckInRate of the fleet): W = n·q·T/K = 6·0.05·60/4 = 4.5 s → the 10 s floor;
        // with 600 devices W = 600·0.05·60/4 = 450 s
        Assert.Equal(10u, h.Engine.CurrentPace().Windows.Single().WindowSeconds);
        for (int i = 0; i < 594; i++)
        {
            h.ObserveStatus($"dev-{i:D3}", "pi4");
        }

        Assert.Equal(450u, h.Engine.CurrentPace().Windows.Single().WindowSeconds);

        // one declaration replaces the configured rate (not averaged with it): q = 0.1, K = 4, W = 600·0.1·60/4 = 900 s
        var message = UpdateFactory.Message("dev-a", 1, 1, D1);
        message.Dp.SamplingRate = 0.1;
        Assert.Equal(IntakeOutcome.Accepted, h.Engine.Receive(UpdateFactory.Topic("dev-a"), message.ToByteArray()).Verdict.Kind);
        Assert.Equal(900u, h.Engine.CurrentPace().Windows.Single().WindowSeconds);
    }

    private static float[] Decode(GlobalModel model)
    {
        var layout = ModelArchitecture.Parse(model.Architecture).Layout;
        float[] values = new float[layout.TotalLength];
        new DenseFloat32Codec().Decode(model.Parameters.Span, layout, values);
        return values;
    }
}
