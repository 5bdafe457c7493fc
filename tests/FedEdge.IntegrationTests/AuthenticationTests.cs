using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Transport;
using MQTTnet;
using MQTTnet.Exceptions;

namespace FedEdge.IntegrationTests;

/// <summary>The broker admits only clients with a certificate from the fleet CA.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Client_with_a_fleet_certificate_connects()
    {
        var exception = await Record.ExceptionAsync(() => ConnectOnceAsync(_broker.Pki.Client("device-01")));

        Assert.Null(exception);
    }

    [Fact]
    public async Task Client_without_a_certificate_cannot_connect()
    {
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => ConnectOnceAsync(null));

        // The client only sees the socket close after the handshake; the broker log names the reason.
        Assert.True(await _broker.LogContainsAsync("peer did not return a certificate", TimeSpan.FromSeconds(5)), _broker.Log);
    }

    [Fact]
    public async Task Client_with_a_certificate_from_another_CA_cannot_connect()
    {
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => ConnectOnceAsync(_broker.Pki.RogueClient("device-01")));

        Assert.True(await _broker.LogContainsAsync("certificate verify failed", TimeSpan.FromSeconds(5)), _broker.Log);
    }

    /// <summary>One connect attempt (no retry loop) with the transport's own TLS settings.</summary>
    private async Task ConnectOnceAsync(ClientCertificateFiles? certificate)
    {
        var options = TestClients.Options(_broker, "device-01", certificate);
        using var tls = TlsCredentials.Load(options);
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(ReconnectingMqttClient.BuildClientOptions(options, tls), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), TestContext.Current.CancellationToken);
    }
}
