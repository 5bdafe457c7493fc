using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FedEdge.Device.Diagnostics;

/// <summary>
/// The JSON form of <see cref="DeviceDiagnostics"/> (snake_case keys, ISO 8601 times, every key always present —
/// null where unknown — so a Home Assistant template never meets a missing key). Written and read by hand: the
/// agent is published trimmed, and reflection-based serialization does not survive trimming.
/// </summary>
public static class DeviceDiagnosticsJson
{
    /// <summary>Largest document read back (a real one is about 500 bytes).</summary>
    public const int MaxBytes = 8 * 1024;

    /// <summary>
    /// Longest <c>reason</c> written: Home Assistant refuses sensor states over 255 characters, and the reason is a
    /// sensor state.
    /// </summary>
    public const int MaxReasonLength = 255;

    /// <summary>
    /// The UTF-8 JSON document, indented for <c>status</c> when <paramref name="indented"/>. Escaping is JSON's own,
    /// not HTML-safe: the document goes to MQTT clients and terminals, never into a web page, and "+00:00" should
    /// read as such in <c>mosquitto_sub</c> and <c>status</c> rather than as "+00:00".
    /// </summary>
    public static byte[] Write(DeviceDiagnostics diagnostics, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("device", diagnostics.Device);
            json.WriteString("fleet", diagnostics.Fleet);
            json.WriteString("state", diagnostics.State);
            json.WriteBoolean("eligible", diagnostics.Eligible);
            if (diagnostics.Reason is null)
            {
                json.WriteNull("reason");
            }
            else
            {
                json.WriteString("reason", diagnostics.Reason.Length <= MaxReasonLength ? diagnostics.Reason : diagnostics.Reason[..(MaxReasonLength - 1)] + "…");
            }

            json.WriteStartArray("blockers");
            foreach (string code in diagnostics.Blockers)
            {
                json.WriteStringValue(code);
            }

            json.WriteEndArray();
            WriteNumber(json, "epsilon_spent", Math.Round(diagnostics.EpsilonSpent, 4));
            WriteNumber(json, "epsilon_left", Math.Round(diagnostics.EpsilonLeft, 4));
            WriteNumber(json, "epsilon_budget", diagnostics.EpsilonBudget);
            WriteNumber(json, "epsilon_against_aggregator", Math.Round(diagnostics.EpsilonAgainstAggregator, 4));
            WriteNumber(json, "checkin_rate", diagnostics.CheckInRate);
            json.WriteString("ledger", diagnostics.Ledger.Length <= MaxReasonLength ? diagnostics.Ledger : diagnostics.Ledger[..(MaxReasonLength - 1)] + "…");
            WriteTime(json, "ledger_reset_at", diagnostics.LedgerResetAt);
            WriteTime(json, "last_contribution", diagnostics.LastContribution);
            json.WriteString("served_model", diagnostics.ServedModel);
            if (diagnostics.ServedReason is null)
            {
                json.WriteNull("served_reason");
            }
            else
            {
                json.WriteString("served_reason", diagnostics.ServedReason.Length <= MaxReasonLength ? diagnostics.ServedReason : diagnostics.ServedReason[..(MaxReasonLength - 1)] + "…");
            }

            json.WriteNumber("model_version", diagnostics.ModelVersion);
            json.WriteNumber("outbox_depth", diagnostics.OutboxDepth);
            WriteTime(json, "updated", diagnostics.Updated);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a document this class wrote; false with <paramref name="problem"/> for anything else.</summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out DeviceDiagnostics? diagnostics, [NotNullWhen(false)] out string? problem)
    {
        diagnostics = null;
        if (utf8.Length > MaxBytes)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"the document is {utf8.Length} bytes (at most {MaxBytes})");
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "the document is not a JSON object";
                return false;
            }

            diagnostics = new DeviceDiagnostics
            {
                Device = root.GetProperty("device").GetString()!,
                Fleet = root.GetProperty("fleet").GetString()!,
                State = root.GetProperty("state").GetString()!,
                Eligible = root.GetProperty("eligible").GetBoolean(),
                Reason = root.GetProperty("reason").GetString(),
                Blockers = [.. root.GetProperty("blockers").EnumerateArray().Select(e => e.GetString()!)],
                EpsilonSpent = ReadNumber(root.GetProperty("epsilon_spent")),
                EpsilonLeft = ReadNumber(root.GetProperty("epsilon_left")),
                EpsilonBudget = ReadNumber(root.GetProperty("epsilon_budget")),

                // absent from documents written before random check-ins: no check-ins, so the aggregator saw what was charged
                EpsilonAgainstAggregator = root.TryGetProperty("epsilon_against_aggregator", out var seen) ? ReadNumber(seen) : ReadNumber(root.GetProperty("epsilon_spent")),
                CheckInRate = root.TryGetProperty("checkin_rate", out var rate) ? ReadNumber(rate) : 1.0,
                // absent from documents written before the ledger had a state (an older agent's saved diagnostics)
                Ledger = root.TryGetProperty("ledger", out var ledger) ? ledger.GetString() ?? DeviceDiagnostics.LedgerOk : DeviceDiagnostics.LedgerOk,
                LedgerResetAt = root.TryGetProperty("ledger_reset_at", out var resetAt) ? ReadTime(resetAt) : null,
                LastContribution = ReadTime(root.GetProperty("last_contribution")),
                ServedModel = root.GetProperty("served_model").GetString()!,
                // null before personalization has decided; absent from documents of older agents
                ServedReason = root.TryGetProperty("served_reason", out var servedReason) ? servedReason.GetString() : null,
                ModelVersion = root.GetProperty("model_version").GetUInt64(),
                OutboxDepth = root.GetProperty("outbox_depth").GetInt32(),
                Updated = ReadTime(root.GetProperty("updated")) ?? default,
            };
            if (diagnostics.Device is null || diagnostics.Fleet is null || diagnostics.State is null || diagnostics.ServedModel is null)
            {
                diagnostics = null;
                problem = "a required text field is null";
                return false;
            }

            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            diagnostics = null;
            problem = "the document does not parse: " + ex.Message;
            return false;
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        // JSON has no NaN: an unknown figure is null (HA shows the sensor as unknown)
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static double ReadNumber(JsonElement element) => element.ValueKind == JsonValueKind.Null ? double.NaN : element.GetDouble();

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is DateTimeOffset value)
        {
            // ISO 8601 in UTC with an offset: what Home Assistant's timestamp device class parses
            json.WriteString(name, value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static DateTimeOffset? ReadTime(JsonElement element) =>
        element.ValueKind == JsonValueKind.Null
            ? null
            : DateTimeOffset.Parse(element.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
