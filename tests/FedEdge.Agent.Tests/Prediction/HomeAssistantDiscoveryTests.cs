using System.Text.Json;
using System.Text.RegularExpressions;
using FedEdge.Agent.Prediction;

namespace FedEdge.Agent.Tests.Prediction;

/// <summary>
/// The discovery configs against Home Assistant's MQTT discovery rules
/// (topic <c>&lt;prefix&gt;/&lt;component&gt;/&lt;node_id&gt;/&lt;object_id&gt;/config</c>, ids in [a-zA-Z0-9_-]).
/// </summary>
public sealed partial class HomeAssistantDiscoveryTests
{
    private static HomeAssistantDiscovery Discovery(string device = "kitchen-pi_1", string prefix = "homeassistant") =>
        new(prefix, "home", device, "pi4", TimeSpan.FromMinutes(1));

    [Fact]
    public void Configs_use_the_discovery_topic_layout_with_valid_node_and_object_ids()
    {
        foreach (var config in Discovery().Configs())
        {
            var match = TopicLayout().Match(config.Topic);
            Assert.True(match.Success, config.Topic);
            Assert.Equal("homeassistant", match.Groups["prefix"].Value);
            Assert.Equal("sensor", match.Groups["component"].Value);
            Assert.Equal("kitchen-pi_1", match.Groups["node"].Value);
        }
    }

    [Fact]
    public void Configs_honour_a_custom_discovery_prefix()
    {
        Assert.All(Discovery(prefix: "ha_test").Configs(), c => Assert.StartsWith("ha_test/sensor/kitchen-pi_1/", c.Topic, StringComparison.Ordinal));
    }

    [Fact]
    public void Configs_carry_every_required_key_and_read_state_from_the_predictions_topic()
    {
        foreach (var config in Discovery().Configs())
        {
            using var json = JsonDocument.Parse(config.Payload);
            var root = json.RootElement;
            foreach (string key in (string[])["name", "unique_id", "state_topic", "value_template", "json_attributes_topic", "device"])
            {
                Assert.True(root.TryGetProperty(key, out _), $"{config.Topic} lacks {key}");
            }

            Assert.Equal("fededge/v1/home/predictions/kitchen-pi_1", root.GetProperty("state_topic").GetString());
            Assert.Equal("fededge/v1/home/predictions/kitchen-pi_1", root.GetProperty("json_attributes_topic").GetString());
            Assert.Contains("value_json.", root.GetProperty("value_template").GetString(), StringComparison.Ordinal);
            var device = root.GetProperty("device");
            foreach (string key in (string[])["identifiers", "name", "manufacturer", "model", "sw_version"])
            {
                Assert.True(device.TryGetProperty(key, out _), $"device lacks {key}");
            }

            Assert.Equal(JsonValueKind.Array, device.GetProperty("identifiers").ValueKind);
        }
    }

    [Fact]
    public void Unique_ids_are_distinct_per_sensor_and_stable_across_instances()
    {
        static string[] Ids(HomeAssistantDiscovery d) =>
            [.. d.Configs().Select(c => JsonDocument.Parse(c.Payload).RootElement.GetProperty("unique_id").GetString()!)];

        string[] first = Ids(Discovery());
        string[] second = Ids(new HomeAssistantDiscovery("homeassistant", "home", "kitchen-pi_1", "pi-zero-2w", TimeSpan.FromMinutes(5)));
        Assert.Equal(first, second);
        Assert.Equal(first.Length, first.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Configs_expire_the_sensors_after_three_prediction_intervals()
    {
        var config = Discovery().Configs()[0];
        using var json = JsonDocument.Parse(config.Payload);
        Assert.Equal(180, json.RootElement.GetProperty("expire_after").GetInt64());
    }

    [Theory]
    [InlineData("kitchen.pi")]
    [InlineData("")]
    [InlineData("a/b")]
    public void Constructor_refuses_a_device_id_that_is_not_a_valid_node_id(string device)
    {
        var ex = Assert.Throws<ArgumentException>(() => Discovery(device));
        Assert.Contains("node_id", ex.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex("^(?<prefix>[a-zA-Z0-9_-]+)/(?<component>[a-z_]+)/(?<node>[a-zA-Z0-9_-]+)/(?<object>[a-zA-Z0-9_-]+)/config$")]
    private static partial Regex TopicLayout();
}
