using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using FedEdge.Sensors.Labels;

namespace FedEdge.Device.Feedback;

/// <summary>
/// The user feedback a home publishes on <c>fededge/v1/{fleet}/feedback/{device}</c> (e.g. from a Home Assistant
/// automation): <c>{"label":"cooking","at":"2026-11-25T18:05:00Z"}</c>, or the class index instead of its name
/// (<c>{"label":2}</c>); <c>at</c> is optional and defaults to the time of receipt. Anything else — too big, not
/// JSON, an unknown label, a time outside the recent window — is refused with a reason, never thrown.
/// </summary>
public static class FeedbackMessage
{
    /// <summary>Largest payload accepted, checked before parsing (rule 8: every message has a size bound).</summary>
    public const int MaxBytes = 512;

    /// <summary>How far "at" may lie in the future: clocks of the publisher and the device may disagree a little.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>Parses and checks one feedback payload.</summary>
    /// <param name="payload">The MQTT payload (UTF-8 JSON).</param>
    /// <param name="labels">The class names the device's model knows.</param>
    /// <param name="now">The time of receipt.</param>
    /// <param name="maxAge">The oldest "at" accepted, as an age: older windows are no longer kept to label.</param>
    /// <param name="labelEvent">The label and its time when accepted.</param>
    /// <param name="problem">Why the payload was refused.</param>
    public static bool TryParse(ReadOnlySpan<byte> payload, LabelSet labels, DateTimeOffset now, TimeSpan maxAge, out LabelEvent labelEvent, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(labels);
        labelEvent = default;
        if (payload.Length > MaxBytes)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"the payload has {payload.Length} bytes, more than {MaxBytes}");
            return false;
        }

        string? label = null;
        DateTimeOffset at = now;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "the payload is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isLabel = reader.ValueTextEquals("label"u8);
                bool isAt = reader.ValueTextEquals("at"u8);
                reader.Read();
                if (isLabel)
                {
                    problem = ReadLabel(ref reader, labels, out label);
                    if (problem is not null)
                    {
                        return false;
                    }
                }
                else if (isAt)
                {
                    if (reader.TokenType != JsonTokenType.String
                        || !DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out at))
                    {
                        problem = "\"at\" must be an ISO 8601 time string, e.g. \"2026-11-25T18:05:00Z\"";
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex)
        {
            problem = "the payload is not valid JSON: " + ex.Message;
            return false;
        }

        if (label is null)
        {
            problem = "the payload has no \"label\"";
            return false;
        }

        if (at > now + MaxClockSkew)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"\"at\" {at:O} lies in the future (now {now:O})");
            return false;
        }

        if (at < now - maxAge)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"\"at\" {at:O} is older than {maxAge.TotalMinutes:0.#} min: that window is no longer kept");
            return false;
        }

        labelEvent = new LabelEvent(at, label);
        problem = null;
        return true;
    }

    private static string? ReadLabel(ref Utf8JsonReader reader, LabelSet labels, out string? label)
    {
        label = null;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetInt32(out int index) || index < 0 || index >= labels.Count)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the label index must be an integer from 0 to {labels.Count - 1}");
            }

            label = labels.Name(index);
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return "\"label\" must be a class name or a class index";
        }

        string? name = reader.GetString();
        string? problem = LabelEvent.Problem(name);
        if (problem is not null)
        {
            return problem;
        }

        if (!labels.TryGetIndex(name!, out _))
        {
            var known = new string[labels.Count];
            for (int i = 0; i < known.Length; i++)
            {
                known[i] = labels.Name(i);
            }

            return $"unknown label \"{name}\" (known: {string.Join(", ", known)})";
        }

        label = name;
        return null;
    }
}
