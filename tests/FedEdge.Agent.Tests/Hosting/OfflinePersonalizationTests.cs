using System.Buffers.Binary;
using System.Text.Json;
using FedEdge.Device.Personalization;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Wire;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>What the shared <see cref="OfflinePersonalizedRun"/> shows (issue 8/8, "Offline" and "never sent").</summary>
public sealed class OfflinePersonalizationTests : IClassFixture<OfflinePersonalizedRun>
{
    private readonly OfflinePersonalizedRun _run;

    public OfflinePersonalizationTests(OfflinePersonalizedRun run)
    {
        _run = run;
    }

    [Fact]
    public void The_personal_model_trains_and_its_validation_accuracy_rises_while_the_broker_is_unreachable()
    {
        Assert.Equal(0, _run.PublishedWhileOffline);
        int trained = _run.OfflineAccounts.Count(a => a.StartsWith("Trained", StringComparison.Ordinal));
        Assert.True(trained >= OfflinePersonalizedRun.OfflineCycles / 2, string.Join(" | ", _run.OfflineAccounts));

        // the personal model starts as a copy of the global model, so the global accuracy on the
        // same split is also the personal model's accuracy before any local step
        var first = _run.OfflineChoices[0];
        var last = _run.OfflineChoices[^1];
        Assert.Equal(first.GlobalAccuracy, last.GlobalAccuracy); // one global model (v1) throughout the offline day
        string figures = string.Join(", ", _run.OfflineChoices.Select(c => $"{c.PersonalAccuracy:P1}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"{trained} trained runs; global {last.GlobalAccuracy:P1} on {last.ValidationCount} validation samples; personal per cycle: {figures}");
        Assert.True(last.PersonalAccuracy >= last.GlobalAccuracy + 0.15, $"global {last.GlobalAccuracy:P1}, personal per cycle: {figures}");
        Assert.All(_run.OfflineChoices, c => Assert.True(c.PersonalAccuracy > first.GlobalAccuracy, figures));
        Assert.Equal(ServedModel.Personal, last.Served);
        Assert.InRange(last.ValidationCount, 20, 200);
    }

    [Fact]
    public void The_outbox_keeps_the_offline_update_within_its_bound_and_drains_it_unchanged_when_the_broker_returns()
    {
        Assert.Equal(1, _run.OfflineOutbox.Entries);
        Assert.InRange(_run.OfflineOutbox.Entries, 0, OutboxOptions.DefaultMaxEntries);
        var waiting = Assert.Single(_run.OfflineOutboxEntries);

        var updates = _run.Published.Where(m => m.Topic == OfflinePersonalizedRun.UpdatesTopic).ToList();
        Assert.Contains(updates, m => m.Payload.AsSpan().SequenceEqual(waiting.Payload.Span));
        Assert.Equal(0, _run.DrainedOutbox.Entries);
    }

    [Fact]
    public void A_new_global_model_is_merged_without_losing_the_personal_weights()
    {
        Assert.Equal(1UL, _run.BeforeRebase.BaseVersion);
        Assert.Equal(2UL, _run.AfterRebase.BaseVersion);

        // Ditto keeps w and only swaps the anchor: byte-equal weights, same step count
        Assert.Equal(_run.BeforeRebase.Parameters.AsSpan().ToArray(), _run.AfterRebase.Parameters.AsSpan().ToArray());
        Assert.Equal(_run.BeforeRebase.LocalSteps, _run.AfterRebase.LocalSteps);
        Assert.True(_run.AfterRebase.LocalSteps > 0);

        // the next run continues from them against the new anchor
        Assert.Equal(2UL, _run.AfterRetraining.BaseVersion);
        Assert.True(_run.AfterRetraining.LocalSteps > _run.AfterRebase.LocalSteps);
        Assert.Equal(2UL, _run.ServedAtEnd.GlobalVersion);
    }

    [Fact]
    public void Status_and_predictions_say_which_model_served_with_both_accuracies()
    {
        var status = _run.Published.Where(m => m.Topic == OfflinePersonalizedRun.StatusTopic)
            .Select(m => DeviceStatus.Parser.ParseFrom(m.Payload))
            .Last(s => s.ServedModel.Length > 0);
        Assert.Equal("personal", status.ServedModel);
        Assert.True(status.HasServedGlobalAccuracy && status.HasServedPersonalAccuracy);
        Assert.True(status.ServedPersonalAccuracy > status.ServedGlobalAccuracy);
        Assert.InRange(status.ServedValidationSamples, 20u, 200u);

        var models = _run.Published.Where(m => m.Topic == OfflinePersonalizedRun.PredictionsTopic)
            .Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("model").GetString())
            .ToList();
        Assert.NotEmpty(models);
        Assert.All(models, m => Assert.Equal("personal", m));
    }

    /// <summary>
    /// Searched: every payload the agent published through the broker (updates, status, predictions,
    /// Home Assistant discovery), at every byte offset, for (1) any 16-byte window of the personal
    /// weights' float32 little-endian bytes (4 consecutive parameters) and (2) any 8-byte window of
    /// their float16 little-endian bytes (4 consecutive parameters as the Float16 update codec writes
    /// them), taken from the personal model after every training run of the run.
    /// </summary>
    [Fact]
    public void No_payload_the_agent_published_contains_a_run_of_personal_parameters()
    {
        var published = _run.Published.Where(m => m.ClientId == PersonalizedDevice.Device).ToList();
        Assert.Contains(published, m => m.Topic == OfflinePersonalizedRun.UpdatesTopic);
        Assert.NotEmpty(_run.PersonalSnapshots);

        var float32Windows = new HashSet<UInt128>();
        var float16Windows = new HashSet<ulong>();
        foreach (float[] snapshot in _run.PersonalSnapshots)
        {
            byte[] f32 = new byte[snapshot.Length * 4];
            byte[] f16 = new byte[snapshot.Length * 2];
            for (int i = 0; i < snapshot.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(f32.AsSpan(4 * i), snapshot[i]);
                BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(2 * i), (Half)snapshot[i]);
            }

            for (int at = 0; at + 16 <= f32.Length; at += 4)
            {
                float32Windows.Add(BinaryPrimitives.ReadUInt128LittleEndian(f32.AsSpan(at)));
            }

            for (int at = 0; at + 8 <= f16.Length; at += 2)
            {
                float16Windows.Add(BinaryPrimitives.ReadUInt64LittleEndian(f16.AsSpan(at)));
            }
        }

        foreach (var message in published)
        {
            byte[] payload = message.Payload;
            for (int at = 0; at + 8 <= payload.Length; at++)
            {
                Assert.False(float16Windows.Contains(BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(at))), $"{message.Topic} holds 4 personal parameters as float16 at byte {at}");
                Assert.False(at + 16 <= payload.Length && float32Windows.Contains(BinaryPrimitives.ReadUInt128LittleEndian(payload.AsSpan(at))), $"{message.Topic} holds 4 personal parameters as float32 at byte {at}");
            }
        }
    }
}
