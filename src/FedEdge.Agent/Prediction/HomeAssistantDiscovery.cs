using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using FedEdge.Protocol.Topics;

namespace FedEdge.Agent.Prediction;

/// <summary>
/// Builds the retained Home Assistant MQTT discovery configs that turn a device's predictions into
/// two HA sensors ("Activity" and "Activity probability") grouped under one HA device.
/// </summary>
/// <remarks>
/// <para>
/// Topic layout per HA's MQTT discovery docs: <c>&lt;discovery_prefix&gt;/&lt;component&gt;/&lt;node_id&gt;/&lt;object_id&gt;/config</c>,
/// where node_id and object_id may only use <c>[a-zA-Z0-9_-]</c>. The node_id is the device id, so
/// the broker ACL can grant each device exactly <c>homeassistant/sensor/%u/#</c>; a device id with
/// a '.' (allowed by FedEdge) therefore cannot announce itself and is refused here.
/// </para>
/// <para>
/// Availability: the retained status topic carries protobuf, which HA cannot read, and the ACL
/// grants no extra plain-text topic. The sensors use <c>expire_after</c> instead: HA shows them as
/// unavailable when no prediction arrived for three intervals (the agent's last will still marks
/// the status offline for FedEdge's own tools).
/// </para>
/// </remarks>
public sealed partial class HomeAssistantDiscovery
{
    /// <summary>The HA component both configs use.</summary>
    public const string Component = "sensor";

    private readonly string _prefix;
    private readonly string _fleet;
    private readonly string _device;
    private readonly string _model;
    private readonly TimeSpan _interval;

    /// <summary>Creates the builder.</summary>
    /// <param name="discoveryPrefix">HA's discovery prefix (default in HA: "homeassistant").</param>
    /// <param name="fleet">The FedEdge fleet.</param>
    /// <param name="deviceId">The device id, used as HA node_id.</param>
    /// <param name="hardwareModel">The board, shown as the HA device model (e.g. the memory class).</param>
    /// <param name="interval">The prediction interval; sensors expire after three of them.</param>
    /// <exception cref="ArgumentException">The prefix or device id is not a valid HA id.</exception>
    public HomeAssistantDiscovery(string discoveryPrefix, string fleet, string deviceId, string hardwareModel, TimeSpan interval)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fleet);
        ArgumentException.ThrowIfNullOrWhiteSpace(hardwareModel);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        if (!IsDiscoveryId(discoveryPrefix))
        {
            throw new ArgumentException($"The discovery prefix \"{discoveryPrefix}\" must match [a-zA-Z0-9_-]+.", nameof(discoveryPrefix));
        }

        if (!IsDiscoveryId(deviceId))
        {
            throw new ArgumentException(
                $"The device id \"{deviceId}\" is not a valid Home Assistant node_id ([a-zA-Z0-9_-]+); rename the device to announce it to Home Assistant.",
                nameof(deviceId));
        }

        _prefix = discoveryPrefix;
        _fleet = fleet;
        _device = deviceId;
        _model = hardwareModel;
        _interval = interval;
        StateTopic = TopicScheme.Predictions(fleet, deviceId);
    }

    /// <summary>The topic the predictions go to, and the HA state topic.</summary>
    public string StateTopic { get; }

    /// <summary>Whether <paramref name="value"/> may be a discovery node_id or object_id.</summary>
    public static bool IsDiscoveryId(string? value) => value is not null && DiscoveryId().IsMatch(value);

    /// <summary>The two configs: the predicted activity and its probability (in %).</summary>
    public IReadOnlyList<DiscoveryConfig> Configs() =>
    [
        Config("activity", "Activity", "{{ value_json.activity }}", unit: null, icon: "mdi:home-account"),
        Config("activity_probability", "Activity probability", "{{ (value_json.probability * 100) | round(1) }}", unit: "%", icon: "mdi:percent"),
    ];

    private DiscoveryConfig Config(string objectId, string name, string valueTemplate, string? unit, string icon)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("unique_id", $"fededge_{_fleet}_{_device}_{objectId}");
            json.WriteString("object_id", $"{_device}_{objectId}");
            json.WriteString("state_topic", StateTopic);
            json.WriteString("value_template", valueTemplate);
            json.WriteString("json_attributes_topic", StateTopic);
            json.WriteNumber("expire_after", (long)Math.Ceiling(3 * _interval.TotalSeconds));
            json.WriteString("icon", icon);
            if (unit is not null)
            {
                json.WriteString("unit_of_measurement", unit);
                json.WriteString("state_class", "measurement");
            }

            json.WriteStartObject("device");
            json.WriteStartArray("identifiers");
            json.WriteStringValue($"fededge_{_fleet}_{_device}");
            json.WriteEndArray();
            json.WriteString("name", $"FedEdge {_device}");
            json.WriteString("manufacturer", "FedEdge");
            json.WriteString("model", _model);
            json.WriteString("sw_version", SoftwareVersion);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return new DiscoveryConfig($"{_prefix}/{Component}/{_device}/{objectId}/config", buffer.WrittenMemory.ToArray());
    }

    private static string SoftwareVersion =>
        typeof(HomeAssistantDiscovery).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HomeAssistantDiscovery).Assembly.GetName().Version?.ToString()
        ?? "0";

    [GeneratedRegex("^[a-zA-Z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DiscoveryId();
}
