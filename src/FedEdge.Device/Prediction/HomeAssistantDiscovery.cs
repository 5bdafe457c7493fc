using FedEdge.Sensors.Features;
using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using FedEdge.Device.Diagnostics;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;

namespace FedEdge.Device.Prediction;

/// <summary>
/// Builds the retained Home Assistant MQTT discovery configs (single-component payloads, one per entity) that group
/// a device's entities under one HA device: the predicted activity and its probability, and diagnostic entities for
/// its training state, the reason it does not train, ε spent and left, its last contribution, the served model and
/// the global model version.
/// </summary>
/// <remarks>
/// <para>
/// Per HA's MQTT discovery documentation: the topic is <c>&lt;discovery_prefix&gt;/sensor/&lt;node_id&gt;/&lt;object_id&gt;/config</c>
/// with ids from <c>[a-zA-Z0-9_-]</c>; the node_id is the device id (a <see cref="WireIdentifier"/>, so always a
/// valid node_id), which lets the broker ACL grant each device exactly <c>homeassistant/sensor/%u/#</c>. Every
/// config carries <c>unique_id</c>, a <c>default_entity_id</c> of the form <c>sensor.&lt;object id&gt;</c> (HA 2025.10
/// deprecated <c>object_id</c> for it; it stops working in 2026.4), the shared <c>device</c> and the <c>origin</c>
/// block, and <c>availability</c> on the device's plain-text availability topic, whose last will is "offline".
/// </para>
/// <para>
/// Removal: an empty retained payload on a config topic makes HA remove the entity (and clears the broker's
/// retained copy), see <see cref="Removals"/>.
/// </para>
/// </remarks>
public sealed partial class HomeAssistantDiscovery
{
    /// <summary>The HA component every config uses.</summary>
    public const string Component = "sensor";

    /// <summary>The <c>origin.name</c> of every config.</summary>
    public const string OriginName = "FedEdge";

    private readonly string _prefix;
    private readonly string _fleet;
    private readonly string _device;
    private readonly string _model;
    private readonly TimeSpan _interval;
    private readonly string? _supportUrl;
    private readonly string _entityPrefix;

    /// <summary>Creates the builder.</summary>
    /// <param name="discoveryPrefix">HA's discovery prefix (default in HA: "homeassistant").</param>
    /// <param name="fleet">The FedEdge fleet.</param>
    /// <param name="deviceId">The device id, used as HA node_id.</param>
    /// <param name="hardwareModel">The board, shown as the HA device model (e.g. the memory class).</param>
    /// <param name="interval">The prediction interval; the prediction sensors expire after three of them.</param>
    /// <param name="supportUrl">The <c>origin.support_url</c> (http or https), or null to leave it out.</param>
    /// <exception cref="ArgumentException">The prefix is not a valid HA id, or the device id is not a wire identifier.</exception>
    public HomeAssistantDiscovery(string discoveryPrefix, string fleet, string deviceId, string hardwareModel, TimeSpan interval, string? supportUrl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fleet);
        ArgumentException.ThrowIfNullOrWhiteSpace(hardwareModel);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        if (discoveryPrefix is null || !DiscoveryPrefix().IsMatch(discoveryPrefix))
        {
            throw new ArgumentException($"The discovery prefix \"{discoveryPrefix}\" must match [a-zA-Z0-9_-]+.", nameof(discoveryPrefix));
        }

        // the one check: a wire identifier ([A-Za-z0-9_-]{1,64}) is always a valid HA node_id
        string? problem = WireIdentifier.Check(deviceId, "the device id");
        if (problem is not null)
        {
            throw new ArgumentException(problem + ".", nameof(deviceId));
        }

        if (supportUrl is not null && !(Uri.TryCreate(supportUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"The support URL \"{supportUrl}\" is not an absolute http(s) URL.", nameof(supportUrl));
        }

        _prefix = discoveryPrefix;
        _fleet = fleet;
        _device = deviceId;
        _model = hardwareModel;
        _interval = interval;
        _supportUrl = supportUrl;
        _entityPrefix = EntitySlug(deviceId);
        StateTopic = TopicScheme.Predictions(fleet, deviceId);
        DiagnosticsTopic = TopicScheme.Diagnostics(fleet, deviceId);
        AvailabilityTopic = TopicScheme.Availability(fleet, deviceId);
    }

    /// <summary>The topic the predictions go to: the state topic of the prediction sensors.</summary>
    public string StateTopic { get; }

    /// <summary>The retained diagnostics JSON: the state topic of the diagnostic sensors.</summary>
    public string DiagnosticsTopic { get; }

    /// <summary>The plain-text availability topic every entity follows.</summary>
    public string AvailabilityTopic { get; }

    /// <summary>Every config: two prediction sensors, then the diagnostic sensors.</summary>
    public IReadOnlyList<DiscoveryConfig> Configs()
    {
        // a prediction older than three intervals is stale: HA shows it as unavailable
        long expireAfter = (long)Math.Ceiling(3 * _interval.TotalSeconds);
        return
        [
            Config("activity", "Activity", StateTopic, "{{ value_json.activity }}", json =>
            {
                json.WriteString("device_class", "enum");
                WriteOptions(json, SmartHomeSchema.ClassNames);
                json.WriteString("json_attributes_topic", StateTopic);
                json.WriteNumber("expire_after", expireAfter);
                json.WriteString("icon", "mdi:home-account");
            }),
            Config("activity_probability", "Activity probability", StateTopic, "{{ (value_json.probability * 100) | round(1) }}", json =>
            {
                json.WriteString("unit_of_measurement", "%");
                json.WriteString("state_class", "measurement");
                json.WriteNumber("suggested_display_precision", 1);
                json.WriteNumber("expire_after", expireAfter);
                json.WriteString("icon", "mdi:percent");
            }),
            Config("training_state", "Training state", DiagnosticsTopic, "{{ value_json.state }}", json =>
            {
                json.WriteString("device_class", "enum");
                WriteOptions(json, DeviceDiagnostics.TrainingStates);
                Diagnostic(json, "mdi:brain");
            }),
            Config("not_training_reason", "Not training because", DiagnosticsTopic, "{{ value_json.reason or 'none' }}", json => Diagnostic(json, "mdi:information-outline")),
            Config("epsilon_spent", "Privacy budget spent (ε)", DiagnosticsTopic, "{{ value_json.epsilon_spent }}", json =>
            {
                json.WriteString("state_class", "measurement");
                json.WriteNumber("suggested_display_precision", 2);
                Diagnostic(json, "mdi:shield-half-full");
            }),
            Config("epsilon_left", "Privacy budget left (ε)", DiagnosticsTopic, "{{ value_json.epsilon_left }}", json =>
            {
                json.WriteString("state_class", "measurement");
                json.WriteNumber("suggested_display_precision", 2);
                Diagnostic(json, "mdi:shield-lock-outline");
            }),
            Config("last_contribution", "Last contribution", DiagnosticsTopic, "{{ value_json.last_contribution }}", json =>
            {
                json.WriteString("device_class", "timestamp");
                Diagnostic(json, "mdi:upload");
            }),
            Config("served_model", "Served model", DiagnosticsTopic, "{{ value_json.served_model }}", json =>
            {
                json.WriteString("device_class", "enum");
                WriteOptions(json, [ActivityClassifier.GlobalModelSource, ActivityClassifier.PersonalModelSource]);
                Diagnostic(json, "mdi:account-switch");
            }),
            Config("model_version", "Global model version", DiagnosticsTopic, "{{ value_json.model_version }}", json => Diagnostic(json, "mdi:counter")),
        ];
    }

    /// <summary>The same topics with empty payloads: published retained, they remove every entity (predictions turned off).</summary>
    public IReadOnlyList<DiscoveryConfig> Removals() =>
        [.. Configs().Select(c => new DiscoveryConfig(c.Topic, ReadOnlyMemory<byte>.Empty))];

    /// <summary>
    /// The entity-id form of <paramref name="id"/>: lower case, every run of characters outside [a-z0-9] one '_',
    /// none at either end — what HA's entity id check (<c>cv.entity_id</c>) accepts after the domain.
    /// </summary>
    public static string EntitySlug(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var slug = new StringBuilder(id.Length);
        foreach (char c in id.ToLowerInvariant())
        {
            if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '_')
            {
                slug.Append('_');
            }
        }

        return slug.ToString().TrimEnd('_');
    }

    private DiscoveryConfig Config(string objectId, string name, string stateTopic, string valueTemplate, Action<Utf8JsonWriter> specific)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);

        // JSON's own escaping, not HTML-safe: the configs are read by HA and by people with mosquitto_sub ("ε", "+")
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("unique_id", $"fededge_{_fleet}_{_device}_{objectId}");
            json.WriteString("default_entity_id", $"{Component}.{EntitySlug(_entityPrefix + "_" + objectId)}");
            json.WriteString("state_topic", stateTopic);
            json.WriteString("value_template", valueTemplate);
            specific(json);
            json.WriteStartArray("availability");
            json.WriteStartObject();
            json.WriteString("topic", AvailabilityTopic);
            json.WriteString("payload_available", DeviceAvailability.Online);
            json.WriteString("payload_not_available", DeviceAvailability.Offline);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteNumber("qos", 1);

            json.WriteStartObject("device");
            json.WriteStartArray("identifiers");
            json.WriteStringValue($"fededge_{_fleet}_{_device}");
            json.WriteEndArray();
            json.WriteString("name", $"FedEdge {_device}");
            json.WriteString("manufacturer", "FedEdge");
            json.WriteString("model", _model);
            json.WriteString("sw_version", SoftwareVersion);
            json.WriteEndObject();

            json.WriteStartObject("origin");
            json.WriteString("name", OriginName);
            json.WriteString("sw_version", SoftwareVersion);
            if (_supportUrl is not null)
            {
                json.WriteString("support_url", _supportUrl);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return new DiscoveryConfig($"{_prefix}/{Component}/{_device}/{objectId}/config", buffer.WrittenMemory.ToArray());
    }

    private static void WriteOptions(Utf8JsonWriter json, IEnumerable<string> options)
    {
        json.WriteStartArray("options");
        foreach (string option in options)
        {
            json.WriteStringValue(option);
        }

        json.WriteEndArray();
    }

    private static void Diagnostic(Utf8JsonWriter json, string icon)
    {
        // HA: "When set, the entity category must be diagnostic for sensors"
        json.WriteString("entity_category", "diagnostic");
        json.WriteString("icon", icon);
    }

    private static string SoftwareVersion =>
        typeof(HomeAssistantDiscovery).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HomeAssistantDiscovery).Assembly.GetName().Version?.ToString()
        ?? "0";

    [GeneratedRegex("^[a-zA-Z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DiscoveryPrefix();
}
