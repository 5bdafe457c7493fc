using System.Text.Json;
using System.Text.RegularExpressions;

namespace FedEdge.Tests.Shared;

/// <summary>
/// Checks Home Assistant MQTT discovery configs of the <c>sensor</c> platform against the documented schema, written
/// out from the HA documentation (integrations/sensor.mqtt: configuration variables; integrations/mqtt: discovery topic,
/// origin, availability, removal) and HA core's validators (<c>cv.entity_id</c> for <c>default_entity_id</c>,
/// <c>MQTT_ORIGIN_INFO_SCHEMA</c>, the device schema's "at least one of identifiers or connections"): every key is a
/// documented one, the required ones are there, and the values are allowed. Plus FedEdge's own rules: no deprecated
/// <c>object_id</c>, an origin and an availability topic on every entity, unique ids unique across all of them.
/// </summary>
internal static partial class HomeAssistantDiscoverySchema
{
    /// <summary>The documented configuration variables of an MQTT sensor (single-component discovery payload).</summary>
    private static readonly HashSet<string> SensorKeys =
    [
        "availability", "availability_mode", "availability_template", "availability_topic", "default_entity_id", "device",
        "device_class", "enabled_by_default", "encoding", "entity_category", "entity_picture", "expire_after", "force_update",
        "icon", "json_attributes_template", "json_attributes_topic", "last_reset_value_template", "name", "options", "origin",
        "payload_available", "payload_not_available", "qos", "state_class", "state_topic", "suggested_display_precision",
        "unique_id", "unit_of_measurement", "value_template",
    ];

    /// <summary>Required: HA requires state_topic; unique_id is what ties the entity to the device registry; the rest is FedEdge's rule.</summary>
    private static readonly string[] RequiredKeys = ["name", "unique_id", "default_entity_id", "state_topic", "value_template", "availability", "device", "origin"];

    private static readonly HashSet<string> DeviceKeys =
    [
        "configuration_url", "connections", "hw_version", "identifiers", "manufacturer", "model", "model_id", "name",
        "serial_number", "suggested_area", "sw_version", "via_device",
    ];

    private static readonly HashSet<string> OriginKeys = ["name", "sw_version", "support_url"];

    private static readonly HashSet<string> AvailabilityKeys = ["topic", "payload_available", "payload_not_available", "value_template"];

    private static readonly HashSet<string> StateClasses = ["measurement", "measurement_angle", "total", "total_increasing"];

    /// <summary>Every problem of one config (empty when it is valid).</summary>
    public static List<string> Check(string topic, ReadOnlySpan<byte> payload, string discoveryPrefix = "homeassistant")
    {
        var problems = new List<string>();
        var match = ConfigTopic().Match(topic);
        if (!match.Success || match.Groups["prefix"].Value != discoveryPrefix)
        {
            problems.Add($"{topic}: not <{discoveryPrefix}>/sensor/<node_id>/<object_id>/config with ids in [a-zA-Z0-9_-]");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException ex)
        {
            problems.Add($"{topic}: payload is not JSON: {ex.Message}");
            return problems;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{topic}: payload is not a JSON object");
                return problems;
            }

            CheckEntity(topic, root, problems);
        }

        return problems;
    }

    /// <summary>Every problem of a set of configs, including unique_id and default_entity_id collisions across them.</summary>
    public static List<string> CheckAll(IEnumerable<(string Topic, byte[] Payload)> configs, string discoveryPrefix = "homeassistant")
    {
        var problems = new List<string>();
        var uniqueIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var entityIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (topic, payload) in configs)
        {
            if (!topics.Add(topic))
            {
                problems.Add($"{topic}: announced twice");
            }

            problems.AddRange(Check(topic, payload, discoveryPrefix));
            try
            {
                using var json = JsonDocument.Parse(payload);
                if (json.RootElement.TryGetProperty("unique_id", out var id) && id.GetString() is { } uniqueId && !uniqueIds.TryAdd(uniqueId, topic))
                {
                    problems.Add($"{topic}: unique_id {uniqueId} is also used by {uniqueIds[uniqueId]}");
                }

                if (json.RootElement.TryGetProperty("default_entity_id", out var entity) && entity.GetString() is { } entityId && !entityIds.TryAdd(entityId, topic))
                {
                    problems.Add($"{topic}: default_entity_id {entityId} is also used by {entityIds[entityId]}");
                }
            }
            catch (JsonException)
            {
                // reported by Check
            }
        }

        return problems;
    }

    /// <summary>
    /// The state an entity would show for <paramref name="stateJson"/> (a message on its state topic) when its
    /// value_template is the plain <c>{{ value_json.key }}</c> form, else null. Enum entities must use that form,
    /// so their states can be checked against their options.
    /// </summary>
    public static string? RenderSimpleTemplate(JsonElement config, ReadOnlySpan<byte> stateJson)
    {
        var match = SimpleTemplate().Match(config.GetProperty("value_template").GetString() ?? string.Empty);
        if (!match.Success)
        {
            return null;
        }

        using var state = JsonDocument.Parse(stateJson.ToArray());
        return state.RootElement.TryGetProperty(match.Groups["key"].Value, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;
    }

    /// <summary>Problems of an enum entity's state for <paramref name="stateJson"/>: it must render to one of its options.</summary>
    public static List<string> CheckEnumState(string topic, JsonElement config, ReadOnlySpan<byte> stateJson)
    {
        var problems = new List<string>();
        if (!config.TryGetProperty("device_class", out var deviceClass) || deviceClass.GetString() != "enum")
        {
            return problems;
        }

        string? state = RenderSimpleTemplate(config, stateJson);
        var options = config.GetProperty("options").EnumerateArray().Select(o => o.GetString()).ToList();
        if (state is null)
        {
            problems.Add($"{topic}: enum value_template is not the plain {{{{ value_json.key }}}} form or the key is missing");
        }
        else if (!options.Contains(state))
        {
            problems.Add($"{topic}: state '{state}' is not one of the options [{string.Join(", ", options)}]");
        }

        return problems;
    }

    private static void CheckEntity(string topic, JsonElement root, List<string> problems)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "object_id")
            {
                problems.Add($"{topic}: object_id is deprecated (HA 2025.10; stops working in 2026.4): use default_entity_id");
            }
            else if (!SensorKeys.Contains(property.Name))
            {
                problems.Add($"{topic}: '{property.Name}' is not a documented MQTT sensor option");
            }
        }

        foreach (string key in RequiredKeys)
        {
            if (!root.TryGetProperty(key, out _))
            {
                problems.Add($"{topic}: required key '{key}' is missing");
            }
        }

        RequireString(topic, root, "name", problems);
        RequireString(topic, root, "unique_id", problems);
        if (RequireString(topic, root, "state_topic", problems) is { } stateTopic && !ValidSubscribeTopic(stateTopic))
        {
            problems.Add($"{topic}: state_topic '{stateTopic}' is not a valid topic");
        }

        RequireString(topic, root, "value_template", problems);
        if (RequireString(topic, root, "default_entity_id", problems) is { } entityId && !EntityId().IsMatch(entityId))
        {
            problems.Add($"{topic}: default_entity_id '{entityId}' is not sensor.<object id> in HA's entity id syntax ([a-z0-9_], no leading, trailing or double '_')");
        }

        string? deviceClass = root.TryGetProperty("device_class", out var dc) ? dc.GetString() : null;
        bool hasOptions = root.TryGetProperty("options", out var options);
        if (deviceClass == "enum")
        {
            if (!hasOptions || options.ValueKind != JsonValueKind.Array || options.GetArrayLength() == 0
                || options.EnumerateArray().Any(o => o.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(o.GetString())))
            {
                problems.Add($"{topic}: device_class enum needs a non-empty options list of strings");
            }

            if (root.TryGetProperty("state_class", out _) || root.TryGetProperty("unit_of_measurement", out _))
            {
                problems.Add($"{topic}: options cannot be used with state_class or unit_of_measurement");
            }

            if (!SimpleTemplate().IsMatch(root.TryGetProperty("value_template", out var t) ? t.GetString() ?? string.Empty : string.Empty))
            {
                problems.Add($"{topic}: an enum's value_template must be the plain {{{{ value_json.key }}}} form (checked against the options)");
            }
        }
        else if (hasOptions)
        {
            problems.Add($"{topic}: options require device_class enum");
        }

        if (deviceClass == "timestamp" && root.TryGetProperty("unit_of_measurement", out _))
        {
            problems.Add($"{topic}: a timestamp has no unit_of_measurement");
        }

        if (root.TryGetProperty("state_class", out var stateClass) && !StateClasses.Contains(stateClass.GetString() ?? string.Empty))
        {
            problems.Add($"{topic}: state_class '{stateClass}' is not one of {string.Join(", ", StateClasses)}");
        }

        if (root.TryGetProperty("entity_category", out var category))
        {
            // HA: entity_category is config or diagnostic, and "must be diagnostic for sensors"
            string? value = category.GetString();
            if (value is not ("config" or "diagnostic"))
            {
                problems.Add($"{topic}: entity_category '{value}' is not config or diagnostic");
            }
            else if (value != "diagnostic")
            {
                problems.Add($"{topic}: a sensor's entity_category must be diagnostic");
            }
        }

        if (root.TryGetProperty("expire_after", out var expire) && !(expire.ValueKind == JsonValueKind.Number && expire.TryGetInt64(out long seconds) && seconds >= 0))
        {
            problems.Add($"{topic}: expire_after must be a non-negative integer");
        }

        if (root.TryGetProperty("qos", out var qos) && !(qos.ValueKind == JsonValueKind.Number && qos.TryGetInt32(out int level) && level is >= 0 and <= 2))
        {
            problems.Add($"{topic}: qos must be 0, 1 or 2");
        }

        CheckAvailability(topic, root, problems);
        CheckDevice(topic, root, problems);
        CheckOrigin(topic, root, problems);
    }

    private static void CheckAvailability(string topic, JsonElement root, List<string> problems)
    {
        if (root.TryGetProperty("availability", out var list) && root.TryGetProperty("availability_topic", out _))
        {
            problems.Add($"{topic}: availability and availability_topic must not be used together");
        }

        if (!root.TryGetProperty("availability", out list))
        {
            return;
        }

        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            problems.Add($"{topic}: availability must be a non-empty list");
            return;
        }

        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{topic}: an availability entry is not an object");
                continue;
            }

            foreach (var property in entry.EnumerateObject().Where(p => !AvailabilityKeys.Contains(p.Name)))
            {
                problems.Add($"{topic}: availability has an undocumented key '{property.Name}'");
            }

            if (!entry.TryGetProperty("topic", out var t) || t.GetString() is not { } availabilityTopic || !ValidSubscribeTopic(availabilityTopic))
            {
                problems.Add($"{topic}: an availability entry lacks a valid topic");
            }

            foreach (string payload in new[] { "payload_available", "payload_not_available" })
            {
                if (!entry.TryGetProperty(payload, out var p) || string.IsNullOrEmpty(p.GetString()))
                {
                    problems.Add($"{topic}: availability entry lacks {payload}");
                }
            }
        }
    }

    private static void CheckDevice(string topic, JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("device", out var device))
        {
            return;
        }

        if (device.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{topic}: device is not an object");
            return;
        }

        foreach (var property in device.EnumerateObject().Where(p => !DeviceKeys.Contains(p.Name)))
        {
            problems.Add($"{topic}: device has an undocumented key '{property.Name}'");
        }

        bool identified = (device.TryGetProperty("identifiers", out var ids) && ids.ValueKind is JsonValueKind.Array && ids.GetArrayLength() > 0)
            || (device.TryGetProperty("identifiers", out ids) && ids.ValueKind is JsonValueKind.String)
            || (device.TryGetProperty("connections", out var connections) && connections.GetArrayLength() > 0);
        if (!identified)
        {
            problems.Add($"{topic}: device must have identifiers or connections");
        }
    }

    private static void CheckOrigin(string topic, JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("origin", out var origin))
        {
            return;
        }

        if (origin.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{topic}: origin is not an object");
            return;
        }

        foreach (var property in origin.EnumerateObject().Where(p => !OriginKeys.Contains(p.Name)))
        {
            problems.Add($"{topic}: origin has an undocumented key '{property.Name}'");
        }

        if (!origin.TryGetProperty("name", out var name) || string.IsNullOrEmpty(name.GetString()))
        {
            problems.Add($"{topic}: origin.name is required");
        }

        if (origin.TryGetProperty("support_url", out var url)
            && !(Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            problems.Add($"{topic}: origin.support_url is not an http(s) URL");
        }
    }

    private static string? RequireString(string topic, JsonElement root, string key, List<string> problems)
    {
        if (!root.TryGetProperty(key, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
        {
            problems.Add($"{topic}: {key} must be a non-empty string");
            return null;
        }

        return value.GetString();
    }

    private static bool ValidSubscribeTopic(string topic) =>
        topic.Length is > 0 and <= 65535 && !topic.Contains('\0', StringComparison.Ordinal) && !topic.Contains('+', StringComparison.Ordinal) && !topic.Contains('#', StringComparison.Ordinal);

    [GeneratedRegex("^(?<prefix>[a-zA-Z0-9_-]+)/sensor/(?<node>[a-zA-Z0-9_-]+)/(?<object>[a-zA-Z0-9_-]+)/config$")]
    private static partial Regex ConfigTopic();

    // HA core's valid_entity_id, domain fixed to sensor
    [GeneratedRegex(@"^sensor\.(?!_)(?!.*__)[\da-z_]+(?<!_)$")]
    private static partial Regex EntityId();

    [GeneratedRegex(@"^\{\{ value_json\.(?<key>[a-z_][a-z0-9_]*) \}\}$")]
    private static partial Regex SimpleTemplate();
}
