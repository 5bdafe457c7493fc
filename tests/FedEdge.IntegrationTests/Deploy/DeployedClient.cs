using System.Collections.Concurrent;
using FedEdge.Protocol.Transport;
using MQTTnet;
using MQTTnet.Protocol;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// One bare MQTTnet connection to a <see cref="DeployedBroker"/> with a certificate from deploy/pki, built with the
/// transport's own TLS checks and CONNECT options (<see cref="ReconnectingMqttClient.BuildClientOptions"/>: MQTT 5,
/// clean start off, a session expiry), which a test may then change the way an attacker would. No reconnect loop:
/// what the broker does to this one connection is what the test sees. Every message it receives is kept.
/// </summary>
public sealed class DeployedClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly TlsCredentials _tls;
    private readonly ConcurrentQueue<MqttApplicationMessage> _received = new();

    private DeployedClient(IMqttClient client, TlsCredentials tls)
    {
        _client = client;
        _tls = tls;
        _client.ApplicationMessageReceivedAsync += args =>
        {
            _received.Enqueue(args.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    /// <summary>Whether MQTTnet still holds the connection.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Every message received so far.</summary>
    public IReadOnlyCollection<MqttApplicationMessage> Received => _received;

    /// <summary>
    /// Transport options for a client of the test broker on 127.0.0.1: the fleet CA, the certificate and key given,
    /// and the client id (the certificate's identity unless a test says otherwise).
    /// </summary>
    public static MqttTransportOptions Options(string caCertificate, int port, string certificate, string key, string clientId, string host = "127.0.0.1") => new()
    {
        Host = host,
        Port = port,
        ClientId = clientId,
        UseTls = true,
        CaCertificatePath = caCertificate,
        ClientCertificatePath = certificate,
        ClientKeyPath = key,
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Connects once; <paramref name="change"/> may alter the CONNECT (client id, clean start, expiry). Throws if refused.</summary>
    public static async Task<DeployedClient> ConnectAsync(MqttTransportOptions options, Action<MqttClientOptions>? change, CancellationToken ct)
    {
        // the credentials (the client certificate's key among them) live as long as the connection
        var tls = TlsCredentials.Load(options);
        var connect = ReconnectingMqttClient.BuildClientOptions(options, tls);
        connect.KeepAlivePeriod = options.KeepAlive; // no ReconnectingMqttClient here to ping: MQTTnet's own keep-alive does
        change?.Invoke(connect);
        var client = new DeployedClient(new MqttClientFactory().CreateMqttClient(), tls);
        try
        {
            var result = await client._client.ConnectAsync(connect, ct);
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Subscribes at QoS 1 and returns the broker's answer for the one filter.</summary>
    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter, CancellationToken ct)
    {
        var result = await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), ct);
        return Assert.Single(result.Items).ResultCode;
    }

    /// <summary>Publishes at QoS 1 and returns the PUBACK's reason code.</summary>
    public async Task<MqttClientPublishReasonCode> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        return (await _client.PublishAsync(message, ct)).ReasonCode;
    }

    /// <summary>A round trip to the broker; false when the connection is gone.</summary>
    public async Task<bool> PingAsync(CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await _client.PingAsync(timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for a message on <paramref name="topic"/>.</summary>
    public async Task<MqttApplicationMessage?> WaitForAsync(string topic, TimeSpan wait, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var message = _received.FirstOrDefault(m => m.Topic == topic);
            if (message is not null || clock.Elapsed > wait)
            {
                return message;
            }

            await Task.Delay(25, ct);
        }
    }

    /// <summary>A clean DISCONNECT (no will).</summary>
    public async Task DisconnectAsync(CancellationToken ct)
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DisconnectAsync(CancellationToken.None);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // already gone
        }

        _client.Dispose();
        _tls.Dispose();
    }
}
