using FedEdge.Sensors.Features;
using System.Text.Json;
using FedEdge.Device.Diagnostics;
using FedEdge.Device.Prediction;

namespace FedEdge.Agent.Tests.Prediction;

/// <summary>
/// Every discovery config against Home Assistant's documented MQTT discovery schema
/// (<see cref="HomeAssistantDiscoverySchema"/>), and the entities FedEdge promises.
/// </summary>
public sealed class HomeAssistantDiscoveryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    private static HomeAssistantDiscovery Discovery(string device = "Kitchen-Pi_1", string prefix = "homeassistant", string? supportUrl = "https://example.org/fededge") =>
        new(prefix, "home", device, "pi4", TimeSpan.FromMinutes(1), supportUrl);

    private static (string Topic, byte[] Payload)[] All(HomeAssistantDiscovery discovery) =>
        [.. discovery.Configs().Select(c => (c.Topic, c.Payload.ToArray()))];

    private static JsonElement Config(HomeAssistantDiscovery discovery, string objectId)
    {
        var config = discovery.Configs().Single(c => c.Topic.EndsWith($"/{objectId}/config", StringComparison.Ordinal));
        return JsonDocument.Parse(config.Payload).RootElement.Clone();
    }

    [Theory]
    [InlineData("Kitchen-Pi_1", "homeassistant", "https://example.org/fededge")]
    [InlineData("a", "ha_test", null)]
    [InlineData("--x__Y--", "homeassistant", null)]
    public void Every_config_satisfies_the_documented_schema(string device, string prefix, string? supportUrl)
    {
        var problems = HomeAssistantDiscoverySchema.CheckAll(All(Discovery(device, prefix, supportUrl)), prefix);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_schema_check_catches_a_deprecated_object_id_a_bad_entity_id_and_a_missing_origin()
    {
        const string topic = "homeassistant/sensor/dev/activity/config";
        byte[] payload = """
            {"name":"Activity","unique_id":"u","object_id":"dev_activity","default_entity_id":"sensor.Dev__activity",
             "state_topic":"t","value_template":"{{ value_json.activity }}","device_class":"enum",
             "availability":[{"topic":"a","payload_available":"online","payload_not_available":"offline"}],
             "device":{"identifiers":["d"]},"entity_category":"config"}
            """u8.ToArray();

        var problems = HomeAssistantDiscoverySchema.Check(topic, payload);

        Assert.Contains(problems, p => p.Contains("object_id is deprecated", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("default_entity_id 'sensor.Dev__activity'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'origin' is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("needs a non-empty options list", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("must be diagnostic", StringComparison.Ordinal));
    }

    [Fact]
    public void The_device_announces_its_prediction_sensors_and_the_diagnostic_ones()
    {
        var objects = Discovery().Configs().Select(c => c.Topic.Split('/')[3]).ToArray();

        Assert.Equal(
            ["activity", "activity_probability", "training_state", "not_training_reason", "epsilon_spent", "epsilon_left", "last_contribution", "served_model", "model_version"],
            objects);
    }

    [Fact]
    public void The_activity_is_an_enum_of_the_five_class_names()
    {
        var activity = Config(Discovery(), "activity");

        Assert.Equal("enum", activity.GetProperty("device_class").GetString());
        Assert.Equal(["empty", "sleeping", "cooking", "working", "exercising"], activity.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(SmartHomeSchema.ClassNames, activity.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public void Diagnostic_entities_read_the_diagnostics_topic_and_the_last_contribution_is_a_timestamp()
    {
        var discovery = Discovery();
        foreach (string objectId in new[] { "training_state", "not_training_reason", "epsilon_spent", "epsilon_left", "last_contribution", "served_model", "model_version" })
        {
            var config = Config(discovery, objectId);
            Assert.Equal("diagnostic", config.GetProperty("entity_category").GetString());
            Assert.Equal("fededge/v1/home/diagnostics/Kitchen-Pi_1", config.GetProperty("state_topic").GetString());
        }

        Assert.Equal("timestamp", Config(discovery, "last_contribution").GetProperty("device_class").GetString());
        Assert.Equal(DeviceDiagnostics.TrainingStates, Config(discovery, "training_state").GetProperty("options").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public void Every_entity_follows_the_devices_availability_topic_and_names_its_origin()
    {
        foreach (var config in Discovery().Configs())
        {
            var root = JsonDocument.Parse(config.Payload).RootElement;
            var availability = Assert.Single(root.GetProperty("availability").EnumerateArray());
            Assert.Equal("fededge/v1/home/availability/Kitchen-Pi_1", availability.GetProperty("topic").GetString());
            Assert.Equal("online", availability.GetProperty("payload_available").GetString());
            Assert.Equal("offline", availability.GetProperty("payload_not_available").GetString());
            Assert.Equal("FedEdge", root.GetProperty("origin").GetProperty("name").GetString());
            Assert.Equal("https://example.org/fededge", root.GetProperty("origin").GetProperty("support_url").GetString());
            Assert.False(root.TryGetProperty("object_id", out _));
        }
    }

    [Fact]
    public void Default_entity_ids_are_the_device_id_in_entity_id_form_then_the_object()
    {
        Assert.Equal("sensor.kitchen_pi_1_activity", Config(Discovery(), "activity").GetProperty("default_entity_id").GetString());
        Assert.Equal("sensor.x_y_model_version", Config(Discovery("--x__Y--"), "model_version").GetProperty("default_entity_id").GetString());
    }

    [Fact]
    public void Unique_ids_are_stable_across_instances_and_boards()
    {
        static string[] Ids(HomeAssistantDiscovery d) =>
            [.. d.Configs().Select(c => JsonDocument.Parse(c.Payload).RootElement.GetProperty("unique_id").GetString()!)];

        Assert.Equal(Ids(Discovery()), Ids(new HomeAssistantDiscovery("homeassistant", "home", "Kitchen-Pi_1", "pi-zero-2w", TimeSpan.FromMinutes(5))));
    }

    [Fact]
    public void Removals_are_empty_payloads_on_exactly_the_announced_topics()
    {
        var discovery = Discovery();

        Assert.Equal(discovery.Configs().Select(c => c.Topic), discovery.Removals().Select(r => r.Topic));
        Assert.All(discovery.Removals(), r => Assert.True(r.Payload.IsEmpty));
    }

    [Fact]
    public void Diagnostics_the_agent_writes_render_to_allowed_enum_states_for_every_training_state()
    {
        var discovery = Discovery();
        foreach (string state in DeviceDiagnostics.TrainingStates)
        {
            foreach (string served in new[] { "global", "personal" })
            {
                byte[] json = DeviceDiagnosticsJson.Write(new DeviceDiagnostics
                {
                    Device = "Kitchen-Pi_1",
                    Fleet = "home",
                    State = state,
                    Reason = "on battery",
                    ServedModel = served,
                    Updated = T0,
                });
                foreach (var config in discovery.Configs().Where(c => c.Topic.Contains("/training_state/", StringComparison.Ordinal) || c.Topic.Contains("/served_model/", StringComparison.Ordinal)))
                {
                    var problems = HomeAssistantDiscoverySchema.CheckEnumState(config.Topic, JsonDocument.Parse(config.Payload).RootElement, json);
                    Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
                }
            }
        }
    }

    [Fact]
    public void A_prediction_renders_to_one_of_the_activity_options()
    {
        var activity = Config(Discovery(), "activity");
        foreach (string name in SmartHomeSchema.ClassNames)
        {
            byte[] prediction = PredictionPublisher.Payload(new ActivityPrediction(name, 0, 0.9, "global", 3, T0));
            Assert.Empty(HomeAssistantDiscoverySchema.CheckEnumState("activity", activity, prediction));
        }
    }

    [Theory]
    [InlineData("kitchen.pi")]
    [InlineData("")]
    [InlineData("a/b")]
    public void Constructor_refuses_a_device_id_that_is_not_a_wire_identifier(string device)
    {
        var ex = Assert.Throws<ArgumentException>(() => Discovery(device));
        Assert.Contains("device id", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_refuses_a_support_url_that_is_not_http()
    {
        Assert.Throws<ArgumentException>(() => Discovery(supportUrl: "ftp://example.org/"));
    }
}
