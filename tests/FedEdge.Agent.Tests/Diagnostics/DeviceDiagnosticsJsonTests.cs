using System.Text.Json;
using FedEdge.Device.Diagnostics;

namespace FedEdge.Agent.Tests.Diagnostics;

public sealed class DeviceDiagnosticsJsonTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 5, 0, TimeSpan.Zero);

    internal static DeviceDiagnostics Sample(string state = "charging_wait") => new()
    {
        Device = "kitchen-01",
        Fleet = "home",
        State = state,
        Eligible = false,
        Reason = "on battery; idle for 2 of 5 min",
        Blockers = ["not_idle", "on_battery"],
        EpsilonSpent = 0.93121,
        EpsilonLeft = 7.06879,
        EpsilonBudget = 8,
        EpsilonAgainstAggregator = 2.718281,
        CheckInRate = 0.1,
        LastContribution = T0.AddHours(-3),
        ServedModel = "global",
        ModelVersion = 3,
        OutboxDepth = 1,
        Updated = T0,
    };

    [Fact]
    public void A_written_document_reads_back_with_epsilon_rounded_to_four_places()
    {
        var written = Sample();

        Assert.True(DeviceDiagnosticsJson.TryRead(DeviceDiagnosticsJson.Write(written), out var read, out string? problem), problem);

        Assert.False(read.DiffersFrom(written with { EpsilonSpent = 0.9312, EpsilonLeft = 7.0688, EpsilonAgainstAggregator = 2.7183 }));
        Assert.Equal(written.Updated, read.Updated);
    }

    [Fact]
    public void A_document_written_before_check_ins_reads_as_q_one_with_the_aggregator_seeing_what_was_charged()
    {
        using var written = JsonDocument.Parse(DeviceDiagnosticsJson.Write(Sample()));
        var older = new System.Text.Json.Nodes.JsonObject();
        foreach (var property in written.RootElement.EnumerateObject().Where(p => p.Name is not ("epsilon_against_aggregator" or "checkin_rate")))
        {
            older[property.Name] = System.Text.Json.Nodes.JsonNode.Parse(property.Value.GetRawText());
        }

        Assert.True(DeviceDiagnosticsJson.TryRead(System.Text.Encoding.UTF8.GetBytes(older.ToJsonString()), out var read, out string? problem), problem);

        Assert.Equal(1.0, read.CheckInRate);
        Assert.Equal(read.EpsilonSpent, read.EpsilonAgainstAggregator);
    }

    [Fact]
    public void Every_key_is_present_and_unknown_values_are_null()
    {
        var unknown = Sample() with { Reason = null, LastContribution = null, EpsilonSpent = double.NaN };

        using var json = JsonDocument.Parse(DeviceDiagnosticsJson.Write(unknown));
        var root = json.RootElement;

        Assert.Equal(
            ["device", "fleet", "state", "eligible", "reason", "blockers", "epsilon_spent", "epsilon_left", "epsilon_budget", "epsilon_against_aggregator", "checkin_rate", "ledger", "ledger_reset_at", "last_contribution", "served_model", "served_reason", "model_version", "outbox_depth", "updated"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("last_contribution").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("epsilon_spent").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("served_reason").ValueKind);
    }

    [Fact]
    public void The_served_model_s_reason_reads_back_is_cut_like_the_other_reasons_and_may_be_absent_in_older_documents()
    {
        var written = Sample() with { ServedModel = "personal", ServedReason = "5-fold cross-validation: global 20.0 %, local-only 80.0 % on 60 validation samples" };

        Assert.True(DeviceDiagnosticsJson.TryRead(DeviceDiagnosticsJson.Write(written), out var read, out string? problem), problem);
        Assert.Equal(written.ServedReason, read.ServedReason);
        Assert.True(read.DiffersFrom(written with { ServedReason = "another reason" }));

        using var json = JsonDocument.Parse(DeviceDiagnosticsJson.Write(written with { ServedReason = new string('y', 600) }));
        Assert.Equal(255, json.RootElement.GetProperty("served_reason").GetString()!.Length);

        var older = System.Text.Json.Nodes.JsonNode.Parse(DeviceDiagnosticsJson.Write(written))!.AsObject();
        older.Remove("served_reason");
        Assert.True(DeviceDiagnosticsJson.TryRead(System.Text.Encoding.UTF8.GetBytes(older.ToJsonString()), out var old, out problem), problem);
        Assert.Null(old.ServedReason);
    }

    [Fact]
    public void Times_are_ISO_8601_in_UTC_as_Home_Assistant_timestamps_expect()
    {
        byte[] written = DeviceDiagnosticsJson.Write(Sample() with { LastContribution = new DateTimeOffset(2026, 11, 25, 16, 5, 0, TimeSpan.FromHours(1)) });
        using var json = JsonDocument.Parse(written);

        Assert.Equal("2026-11-25T15:05:00.000+00:00", json.RootElement.GetProperty("last_contribution").GetString());
        Assert.Contains("\"2026-11-25T15:05:00.000+00:00\"", System.Text.Encoding.UTF8.GetString(written), StringComparison.Ordinal); // readable as written, not \u002B
    }

    [Fact]
    public void A_reason_longer_than_a_Home_Assistant_state_is_cut_to_255_characters()
    {
        using var json = JsonDocument.Parse(DeviceDiagnosticsJson.Write(Sample() with { Reason = new string('x', 600) }));

        string reason = json.RootElement.GetProperty("reason").GetString()!;
        Assert.Equal(255, reason.Length);
        Assert.EndsWith("…", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"device\":\"d\"}")]
    [InlineData("{not json")]
    public void TryRead_refuses_anything_but_a_diagnostics_document(string text)
    {
        Assert.False(DeviceDiagnosticsJson.TryRead(System.Text.Encoding.UTF8.GetBytes(text), out _, out string? problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Training_states_are_the_wire_device_states_in_snake_case()
    {
        Assert.Equal(["idle", "training", "uploading", "charging_wait", "thermal_wait", "budget_exhausted", "offline"], DeviceDiagnostics.TrainingStates);
    }
}
