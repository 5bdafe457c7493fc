using System.Text;
using System.Text.Json;
using FedEdge.Device.Diagnostics;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The path a household takes, stood up from the shipped files only: deploy/pki makes the fleet's identities,
/// mosquitto runs deploy/mosquitto, the aggregator runs deploy/aggregator/aggregator.json, and two boards
/// (pi-zero-2w, pi4) get the agent.json their user-data writes, enrolled by enroll-device.sh as install-agent.sh
/// runs it. Both train, the aggregator publishes a signed v2, and both install it.
/// </summary>
/// <remarks>
/// Rendering changes nothing but: absolute paths moved under a temporary root per host, the broker host and port
/// (127.0.0.1 and a free port), the aggregator's metrics port. Overrides on the agents' command line, all of them
/// stand-ins for hardware or for waiting: simulated sensors; the zero's INA219 replaced by a charging battery in a
/// sysfs power-supply folder; eligibility timing (idle for 0 s instead of 5 min, any load but a saturated machine
/// counts as idle, power stable at once, a 1 s check interval) so the test does not wait minutes while the test
/// suite keeps the machine busy. Not run here: the units under systemd (no systemd as PID 1), cloud-init itself, real
/// sensors; install-agent.sh's unpacking is tested in InstallAgentScriptTests.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GoldenPathTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly List<ServiceProcess> _services = [];
    private ScriptPki _pki = null!;
    private DeployedBroker _broker = null!;

    public async ValueTask InitializeAsync()
    {
        _pki = await ScriptPki.CreateAsync();
        _broker = await DeployedBroker.StartAsync(_pki.BrokerDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        await _broker.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Two_boards_from_their_shipped_profiles_train_and_install_the_aggregators_signed_v2()
    {
        var ct = TestContext.Current.CancellationToken;
        // Home Assistant runs before the Pis boot, subscribed as its MQTT integration is (docs/home-assistant.md)
        await using var homeAssistant = await HomeAssistantAsync(ct);
        var aggregator = Start("aggregator", ServiceBinary.Aggregator, "--config", await AggregatorHostAsync(ct), "--Aggregator:MetricsPort=0");
        var zero = await BoardAsync("pi-zero-2w", "zero-01", chargingBattery: true, ct);
        var pi4 = await BoardAsync("pi4", "pi4-01", chargingBattery: false, ct);
        var zeroAgent = Start("zero-01", ServiceBinary.Agent, [.. AgentArguments(zero)]);
        var pi4Agent = Start("pi4-01", ServiceBinary.Agent, [.. AgentArguments(pi4)]);

        Assert.True(await aggregator.OutputContainsAsync("Published global model version 2", Patience, ct), Diagnostics());
        var key = PinnedModelKey.FromPem(await File.ReadAllTextAsync(Path.Combine(_pki.SigningDirectory, "model-signing.pub.pem"), ct));
        foreach (var board in new[] { zero, pi4 })
        {
            var model = await InstalledModelAsync(board, minimumVersion: 2, ct);
            Assert.True(model is not null, $"{board.DeviceId} did not install v2.{Environment.NewLine}{Diagnostics()}");
            using var verifier = new ModelVerifier([key], "home");
            Assert.True(verifier.Verify(model).Succeeded, $"{board.DeviceId}'s installed model does not verify against the fleet's signing key");
            Assert.Equal("mlp-14-32-5", model.Architecture);
        }

        // both contributed to v1 (FedBuff with the example's K = 2 takes one update per device per step)
        Assert.Contains("Contribution Enqueued", zeroAgent.Output, StringComparison.Ordinal);
        Assert.Contains("Contribution Enqueued", pi4Agent.Output, StringComparison.Ordinal);
        Assert.False(zeroAgent.HasExited || pi4Agent.HasExited || aggregator.HasExited, Diagnostics());

        // Home Assistant's view: nine valid entities per device, availability, predictions and diagnostics it can render
        var seen = await homeAssistant.CollectUntilAsync(
            v => v.Configs.Count >= 2 * EntitiesPerDevice
                && BothDevices.All(d => v.Predictions.ContainsKey(d) && v.Availability.GetValueOrDefault(d) == "online"
                    && v.Diagnostics.TryGetValue(d, out var json) && DeviceDiagnosticsJson.TryRead(json, out var diagnostics, out _) && diagnostics.ModelVersion >= 2),
            Patience,
            ct);
        Assert.True(seen.Done, $"Home Assistant saw {seen.Summary}.{Environment.NewLine}{Diagnostics()}");
        var problems = HomeAssistantDiscoverySchema.CheckAll(seen.Configs.Select(c => (c.Key, c.Value)));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        foreach (string device in BothDevices)
        {
            var deviceConfigs = seen.Configs.Where(c => c.Key.StartsWith($"homeassistant/sensor/{device}/", StringComparison.Ordinal)).ToList();
            Assert.Equal(EntitiesPerDevice, deviceConfigs.Count);
            foreach (var (topic, payload) in deviceConfigs)
            {
                var config = JsonDocument.Parse(payload).RootElement;
                string stateTopic = config.GetProperty("state_topic").GetString()!;
                byte[] state = stateTopic.Contains("/predictions/", StringComparison.Ordinal) ? seen.Predictions[device] : seen.Diagnostics[device];
                Assert.Empty(HomeAssistantDiscoverySchema.CheckEnumState(topic, config, state));
            }
        }

        // a Pi that loses power: its will tells Home Assistant
        await zeroAgent.KillAsync();
        var afterKill = await homeAssistant.CollectUntilAsync(v => v.Availability.GetValueOrDefault("zero-01") == "offline", Patience, ct);
        Assert.True(afterKill.Done, $"Home Assistant saw {afterKill.Summary}.{Environment.NewLine}{Diagnostics()}");
        Assert.Equal("online", afterKill.Availability["pi4-01"]);
    }

    private const int EntitiesPerDevice = 9;

    private static readonly string[] BothDevices = ["zero-01", "pi4-01"];

    /// <summary>A client with the Home Assistant identity from deploy/pki/make-homeassistant-cert.sh.</summary>
    private async Task<HomeAssistantView> HomeAssistantAsync(CancellationToken ct)
    {
        var options = new MqttTransportOptions
        {
            Host = "127.0.0.1",
            Port = _broker.Port,
            ClientId = "homeassistant",
            UseTls = true,
            CaCertificatePath = Path.Combine(_pki.CaDirectory, "ca.crt"),
            ClientCertificatePath = Path.Combine(_pki.HomeAssistantDirectory, "homeassistant.crt"),
            ClientKeyPath = Path.Combine(_pki.HomeAssistantDirectory, "homeassistant.key"),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        };
        var client = new ReconnectingMqttClient(options, TimeProvider.System, new Random(7), NullLogger<ReconnectingMqttClient>.Instance);
        foreach (string filter in new[] { "homeassistant/sensor/+/+/config", "fededge/v1/home/availability/+", "fededge/v1/home/predictions/+", "fededge/v1/home/diagnostics/+" })
        {
            await client.SubscribeAsync(filter, ct);
        }

        client.Start();
        return new HomeAssistantView(client);
    }

    private ServiceProcess Start(string name, string dll, params string[] arguments)
    {
        var service = ServiceProcess.Start(name, dll, arguments);
        _services.Add(service);
        return service;
    }

    private static IEnumerable<string> AgentArguments(Board board)
    {
        yield return "--config";
        yield return board.AgentJson;
        yield return "--Agent:SimulatedSensors=true";
        yield return "--Agent:CheckInterval=00:00:01";
        yield return "--Agent:Eligibility:IdleFor=00:00:00";
        yield return "--Agent:Eligibility:IdleLoadThreshold=1";
        yield return "--Agent:Eligibility:PowerStableFor=00:00:00";
        if (board.PowerSupplyRoot is string sysfs)
        {
            yield return "--Agent:Power:Source=Sysfs";
            yield return "--Agent:Power:SysfsRoot=" + sysfs;
        }
    }

    /// <summary>The aggregator host: the example configuration and the files deploy/pki made, under /etc/fededge.</summary>
    private async Task<string> AggregatorHostAsync(CancellationToken ct)
    {
        string root = Path.Combine(_pki.Directory, "aggregator-host");
        string etc = Path.Combine(root, "etc", "fededge");
        Directory.CreateDirectory(etc);
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "fededge-aggregator"));
        File.Copy(Path.Combine(_pki.CaDirectory, "ca.crt"), Path.Combine(etc, "ca.crt"));
        File.Copy(Path.Combine(_pki.AggregatorDirectory, "aggregator.crt"), Path.Combine(etc, "aggregator.crt"));
        File.Copy(Path.Combine(_pki.AggregatorDirectory, "aggregator.key"), Path.Combine(etc, "aggregator.key"));
        File.Copy(Path.Combine(_pki.SigningDirectory, "model-signing.key"), Path.Combine(etc, "model-signing.key"));
        string file = Path.Combine(etc, "aggregator.json");
        string shipped = await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "aggregator", "aggregator.json"), ct);
        await File.WriteAllTextAsync(file, ShippedFiles.Render(shipped, root, "127.0.0.1", _broker.Port), ct);
        return file;
    }

    /// <summary>A flashed board after first boot: cloud-init's agent.json, enrolled by enroll-device.sh with AGENT_JSON=keep.</summary>
    private async Task<Board> BoardAsync(string board, string deviceId, bool chargingBattery, CancellationToken ct)
    {
        string root = Path.Combine(_pki.Directory, "boards", deviceId);
        string etc = Path.Combine(root, "etc", "fededge");
        Directory.CreateDirectory(etc);
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "fededge-agent"));
        await File.WriteAllTextAsync(Path.Combine(etc, "agent.json"), ShippedFiles.Render(ShippedFiles.CloudInitAgentJson(board), root, "127.0.0.1", _broker.Port), ct);

        string enroll = Path.Combine(root, "boot", "firmware", "fededge", "enroll");
        await _pki.RunAsync("make-device-cert.sh", [deviceId, enroll]);
        File.Copy(Path.Combine(_pki.CaDirectory, "ca.crt"), Path.Combine(enroll, "ca.crt"));
        File.Copy(Path.Combine(_pki.SigningDirectory, "model-signing.pub.pem"), Path.Combine(enroll, "model-signing.pub.pem"));
        await _pki.RunAsync("enroll-device.sh", [deviceId, etc], ("SOURCE_DIR", enroll), ("AGENT_JSON", "keep"));

        string? sysfs = null;
        if (chargingBattery)
        {
            // the UPS HAT's battery as the kernel's power-supply class shows it while charging
            sysfs = Path.Combine(root, "sys", "class", "power_supply");
            Directory.CreateDirectory(Path.Combine(sysfs, "battery"));
            await File.WriteAllTextAsync(Path.Combine(sysfs, "battery", "type"), "Battery\n", ct);
            await File.WriteAllTextAsync(Path.Combine(sysfs, "battery", "status"), "Charging\n", ct);
        }

        return new Board(deviceId, Path.Combine(etc, "agent.json"), Path.Combine(root, "var", "lib", "fededge-agent"), sysfs);
    }

    private static async Task<GlobalModel?> InstalledModelAsync(Board board, ulong minimumVersion, CancellationToken ct)
    {
        string current = Path.Combine(board.StateDirectory, "model", "current.model");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < Patience)
        {
            if (File.Exists(current)
                && new WireParser().ParseGlobalModel(await File.ReadAllBytesAsync(current, ct)).TryGet(out var model, out _)
                && model.Version >= minimumVersion)
            {
                return model;
            }

            await Task.Delay(200, ct);
        }

        return null;
    }

    private string Diagnostics() =>
        string.Join(Environment.NewLine, _services.Select(s => $"--- {s.Name}{(s.HasExited ? " (exited)" : string.Empty)}:{Environment.NewLine}{s.Output}"))
        + $"{Environment.NewLine}--- mosquitto:{Environment.NewLine}{_broker.Log}";

    private sealed record Board(string DeviceId, string AgentJson, string StateDirectory, string? PowerSupplyRoot);

    /// <summary>What Home Assistant has received: the latest payload per discovery topic and per device.</summary>
    private sealed class HomeAssistantView(ReconnectingMqttClient client) : IAsyncDisposable
    {
        public Dictionary<string, byte[]> Configs { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Availability { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, byte[]> Predictions { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, byte[]> Diagnostics { get; } = new(StringComparer.Ordinal);

        public bool Done { get; private set; }

        public string Summary => $"{Configs.Count} configs, availability {{{string.Join(", ", Availability.Select(a => $"{a.Key}: {a.Value}"))}}}, predictions from [{string.Join(", ", Predictions.Keys)}], diagnostics from [{string.Join(", ", Diagnostics.Keys)}]";

        public async Task<HomeAssistantView> CollectUntilAsync(Func<HomeAssistantView, bool> done, TimeSpan patience, CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(patience);
            Done = done(this);
            while (!Done)
            {
                ReceivedMessage message;
                try
                {
                    message = await client.Inbound.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return this;
                }

                Record(message.Topic, message.Payload.ToArray());
                await message.AcknowledgeAsync(CancellationToken.None);
                Done = done(this);
            }

            return this;
        }

        public ValueTask DisposeAsync() => client.DisposeAsync();

        private void Record(string topic, byte[] payload)
        {
            string[] levels = topic.Split('/');
            if (levels[0] == "homeassistant")
            {
                Configs[topic] = payload;
            }
            else if (levels is ["fededge", "v1", _, string kind, string device])
            {
                switch (kind)
                {
                    case "availability":
                        Availability[device] = Encoding.UTF8.GetString(payload);
                        break;
                    case "predictions":
                        Predictions[device] = payload;
                        break;
                    case "diagnostics":
                        Diagnostics[device] = payload;
                        break;
                }
            }
        }
    }
}
