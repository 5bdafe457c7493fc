using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FedEdge.Device.Diagnostics;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Transport;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>
/// Home Assistant's view of a real fededge-agent process through mosquitto with the shipped deploy/mosquitto
/// configuration and ACL: a client with the Home Assistant identity sees valid discovery configs as soon as the agent
/// connects (no global model exists, so before any prediction), its diagnostics and availability "online", and
/// "offline" — the last will — once the agent is killed. Then the agent's status verb reads the state it left.
/// </summary>
public sealed class HomeAssistantBrokerTests : IAsyncLifetime
{
    private const string Device = "living-room-1";
    private const int EntityCount = 9;
    private readonly TempDirectory _dir = new();
    private MosquittoBroker _broker = null!;

    private static string AvailabilityTopic => $"fededge/v1/{TestClients.Fleet}/availability/{Device}";

    private static string DiagnosticsTopic => $"fededge/v1/{TestClients.Fleet}/diagnostics/{Device}";

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Home_Assistant_sees_valid_entities_when_the_agent_connects_and_offline_when_it_is_killed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string keyPath = _dir.WriteText("model-signing.pub", key.ExportSubjectPublicKeyInfoPem());
        string state = _dir.File("agent");

        // Home Assistant is up before the Pi boots, subscribed as its MQTT integration would be
        await using var ha = await TestClients.ConnectAsync(_broker, "homeassistant", 1, "homeassistant/sensor/+/+/config", $"fededge/v1/{TestClients.Fleet}/availability/+", $"fededge/v1/{TestClients.Fleet}/diagnostics/+");
        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 2, $"fededge/v1/{TestClients.Fleet}/availability/+");
        var configs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var availability = new List<string>();
        var diagnostics = new List<byte[]>();

        await using var agent = AgentProcess.Start(_broker, Device, state, keyPath);
        await CollectAsync(ha, configs, availability, diagnostics, () => configs.Count >= EntityCount && availability.Count >= 1
            && diagnostics.Any(d => Reason(d) == "no global model received yet"), agent);

        var problems = HomeAssistantDiscoverySchema.CheckAll(configs.Select(c => (c.Key, c.Value)));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.All(configs.Values, payload => Assert.Equal(AvailabilityTopic, JsonDocument.Parse(payload).RootElement.GetProperty("availability")[0].GetProperty("topic").GetString()));
        Assert.Equal(["online"], availability);
        foreach (var (topic, payload) in configs.Where(c => JsonDocument.Parse(c.Value).RootElement.GetProperty("state_topic").GetString() == DiagnosticsTopic))
        {
            foreach (byte[] document in diagnostics)
            {
                Assert.Empty(HomeAssistantDiscoverySchema.CheckEnumState(topic, JsonDocument.Parse(payload).RootElement, document));
            }
        }

        Assert.True(DeviceDiagnosticsJson.TryRead(diagnostics[^1], out var last, out _));
        Assert.Equal("idle", last.State);
        Assert.Equal(["no_model"], last.Blockers);
        Assert.Equal(0UL, last.ModelVersion);
        Assert.Equal("online", await NextPayloadAsync(aggregator));

        await agent.KillAsync();

        await CollectAsync(ha, configs, availability, diagnostics, () => availability.Count >= 2, agent);
        Assert.Equal(["online", "offline"], availability);
        Assert.Equal("offline", await NextPayloadAsync(aggregator));

        // the will is retained: a Home Assistant that starts now learns the device is offline
        await ha.DisposeAsync();
        await using var lateHa = await TestClients.ConnectAsync(_broker, "homeassistant", 3, AvailabilityTopic);
        Assert.Equal("offline", await NextPayloadAsync(lateHa));

        // and the device's own account, read from what the killed agent left behind
        var status = await AgentProcess.RunAsync("status", $"--Agent:StateDirectory={state}", $"--Agent:DeviceId={Device}");
        Assert.True(status.ExitCode == 0, status.ToString());
        using var json = JsonDocument.Parse(status.StandardOutput);
        Assert.Equal(Device, json.RootElement.GetProperty("device").GetString());
        Assert.Equal("no global model received yet", json.RootElement.GetProperty("reason").GetString());
        Assert.Equal(8, json.RootElement.GetProperty("epsilon_left").GetDouble());
    }

    [Fact]
    public async Task The_status_verb_of_the_agent_binary_exits_2_with_one_line_without_a_state_directory()
    {
        string missing = _dir.File("never-ran");

        var run = await AgentProcess.RunAsync("status", $"--Agent:StateDirectory={missing}");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.StandardOutput);
        Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(missing, run.StandardError, StringComparison.Ordinal);
    }

    private static string? Reason(byte[] diagnostics) =>
        DeviceDiagnosticsJson.TryRead(diagnostics, out var d, out _) ? d.Reason : null;

    private static async Task CollectAsync(ReconnectingMqttClient ha, Dictionary<string, byte[]> configs, List<string> availability, List<byte[]> diagnostics, Func<bool> done, AgentProcess agent)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        while (!done())
        {
            ReceivedMessage message;
            try
            {
                message = await ha.Inbound.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Home Assistant saw {configs.Count} configs, availability [{string.Join(", ", availability)}], {diagnostics.Count} diagnostics; the agent said:{Environment.NewLine}{agent.Output}");
                return;
            }

            if (message.Topic.StartsWith("homeassistant/", StringComparison.Ordinal))
            {
                configs[message.Topic] = message.Payload.ToArray();
            }
            else if (message.Topic == AvailabilityTopic)
            {
                availability.Add(Encoding.UTF8.GetString(message.Payload.Span));
            }
            else if (message.Topic == DiagnosticsTopic)
            {
                diagnostics.Add(message.Payload.ToArray());
            }

            await message.AcknowledgeAsync(CancellationToken.None);
        }
    }

    private static async Task<string> NextPayloadAsync(ReconnectingMqttClient client)
    {
        var message = await TestClients.NextAsync(client, seconds: 30);
        await message.AcknowledgeAsync(CancellationToken.None);
        return Encoding.UTF8.GetString(message.Payload.Span);
    }
}
