using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FedEdge.Device.Prediction;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The bridge configuration of docs/home-assistant.md exactly as printed — only the broker address and the three
/// certificate paths replaced — run by a second mosquitto standing in for Home Assistant's own broker, against the
/// FedEdge broker from deploy/mosquitto with its ACL: discovery configs and availability reach HA's broker, feedback
/// labels reach the device.
/// </summary>
public sealed class HomeAssistantBridgeTests : IAsyncLifetime
{
    private const string Device = "kitchen-1";
    private readonly TempDirectory _dir = new();
    private readonly ConcurrentQueue<string> _haLog = new();
    private MosquittoBroker _fededge = null!;
    private Process? _haBroker;

    public async ValueTask InitializeAsync() => _fededge = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_haBroker is { HasExited: false })
        {
            _haBroker.Kill();
            await _haBroker.WaitForExitAsync();
        }

        _haBroker?.Dispose();
        await _fededge.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_documented_bridge_brings_discovery_and_availability_to_Home_Assistants_broker_and_feedback_back()
    {
        var ct = TestContext.Current.CancellationToken;
        int haPort = await StartHomeAssistantBrokerAsync();
        await using var device = await TestClients.ConnectAsync(_fededge, Device, 1, TopicScheme.Feedback(TestClients.Fleet, Device));
        await using var haCore = await LocalClientAsync(haPort, "homeassistant/sensor/#", $"fededge/v1/+/availability/+");

        var discovery = new HomeAssistantDiscovery("homeassistant", TestClients.Fleet, Device, "pi4", TimeSpan.FromMinutes(1));
        await new PredictionPublisher(device, discovery).AnnounceAsync(announce: true, ct);
        await device.PublishAsync(TopicScheme.Availability(TestClients.Fleet, Device), DeviceAvailability.OnlinePayload, retain: true, ct);

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (seen.Count < discovery.Configs().Count + 1)
            {
                ReceivedMessage message;
                try
                {
                    message = await haCore.Inbound.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"HA's broker received only [{string.Join(", ", seen.Keys)}]; its log:{Environment.NewLine}{string.Join(Environment.NewLine, _haLog)}{Environment.NewLine}FedEdge broker:{Environment.NewLine}{_fededge.Log}");
                    return;
                }

                seen[message.Topic] = Encoding.UTF8.GetString(message.Payload.Span);
                await message.AcknowledgeAsync(ct);
            }
        }

        Assert.Equal("online", seen[TopicScheme.Availability(TestClients.Fleet, Device)]);
        Assert.All(discovery.Configs(), c => Assert.Equal(Encoding.UTF8.GetString(c.Payload.Span), seen[c.Topic]));

        // an HA automation's feedback label, published on HA's broker, reaches the device through the bridge
        await PublishUntilDeliveredAsync(haCore, device, TopicScheme.Feedback(TestClients.Fleet, Device), "{\"label\":\"cooking\"}"u8.ToArray(), ct);
    }

    private async Task<int> StartHomeAssistantBrokerAsync()
    {
        string doc = await File.ReadAllTextAsync(RepositoryRoot.File("docs", "home-assistant.md"));
        int start = doc.IndexOf("```conf\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/home-assistant.md has no ```conf block");
        start += "```conf\n".Length;
        string bridge = doc[start..doc.IndexOf("\n```", start, StringComparison.Ordinal)];
        var certificate = _fededge.Pki.Client("homeassistant");
        bridge = bridge
            .Replace("mqtt.home.lan:8883", $"127.0.0.1:{_fededge.Port.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal)
            .Replace("/ssl/fededge/ca.crt", _fededge.Pki.CaCertificatePath, StringComparison.Ordinal)
            .Replace("/ssl/fededge/homeassistant.crt", certificate.CertificatePath, StringComparison.Ordinal)
            .Replace("/ssl/fededge/homeassistant.key", certificate.KeyPath, StringComparison.Ordinal);
        Assert.DoesNotContain("/ssl/", bridge, StringComparison.Ordinal);
        Assert.DoesNotContain("mqtt.home.lan", bridge, StringComparison.Ordinal);

        int port = LoopbackPorts.Free();
        string config = _dir.WriteText("ha-mosquitto.conf", $"""
            listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1
            allow_anonymous true
            persistence false
            log_dest stderr
            log_type all

            {bridge}

            """);
        _haBroker = new Process
        {
            StartInfo = new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", config])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
        };
        _haBroker.ErrorDataReceived += (_, e) => { if (e.Data is not null) _haLog.Enqueue(e.Data); };
        _haBroker.OutputDataReceived += (_, e) => { if (e.Data is not null) _haLog.Enqueue(e.Data); };
        _haBroker.Start();
        _haBroker.BeginErrorReadLine();
        _haBroker.BeginOutputReadLine();

        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_haBroker.HasExited, $"HA's mosquitto exited with the documented bridge:{Environment.NewLine}{string.Join(Environment.NewLine, _haLog)}");
            try
            {
                using var probe = new TcpClient(AddressFamily.InterNetwork);
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return port;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>A plain client on HA's broker (no TLS: Home Assistant Core on its own host).</summary>
    private static async Task<ReconnectingMqttClient> LocalClientAsync(int port, params string[] filters)
    {
        var client = new ReconnectingMqttClient(
            new MqttTransportOptions
            {
                Host = "127.0.0.1",
                Port = port,
                ClientId = "ha-core",
                UseTls = false,
                OperationTimeout = TimeSpan.FromSeconds(10),
                ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            },
            TimeProvider.System,
            new Random(7),
            NullLogger<ReconnectingMqttClient>.Instance);
        foreach (string filter in filters)
        {
            await client.SubscribeAsync(filter, CancellationToken.None);
        }

        client.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.WaitUntilConnectedAsync(timeout.Token);
        return client;
    }

    /// <summary>Publishes until the device receives it: the bridge's outgoing subscription may still be on its way.</summary>
    private async Task PublishUntilDeliveredAsync(ReconnectingMqttClient from, ReconnectingMqttClient to, string topic, byte[] payload, CancellationToken ct)
    {
        for (int attempt = 0; attempt < 30; attempt++)
        {
            await from.PublishAsync(topic, payload, retain: false, ct);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                var message = await to.Inbound.ReadAsync(wait.Token);
                await message.AcknowledgeAsync(ct);
                Assert.Equal(topic, message.Topic);
                Assert.Equal(payload, message.Payload.ToArray());
                return;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // not through yet
            }
        }

        Assert.Fail($"the feedback label did not reach the device; HA's broker:{Environment.NewLine}{string.Join(Environment.NewLine, _haLog)}");
    }

}
