using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Implementations;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// Builds MQTTnet's own TCP/TLS channel adapters, wrapped so that the CONNECT packet announces
/// <paramref name="keepAliveSeconds"/> while the client's options say 0.
/// </summary>
/// <remarks>
/// Why: MQTTnet 5.2's keep-alive loop (MqttClient.TrySendKeepAliveMessages) wakes every 250 ms
/// whatever the keep-alive period, and each wake-up runs a thread-pool work item. On an idle device
/// that was most of the agent's CPU. With options.KeepAlivePeriod = 0 the loop is not started; the
/// broker still learns the real keep-alive from the CONNECT (so it drops a dead device after
/// 1.5 × keep-alive and publishes its last will, MQTT 5 §3.1.2.10), and
/// <see cref="ReconnectingMqttClient"/> sends the PINGREQs itself on a timer.
/// </remarks>
internal sealed class KeepAliveAnnouncingAdapterFactory(ushort keepAliveSeconds) : IMqttClientAdapterFactory
{
    private readonly MqttClientAdapterFactory _inner = new();

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger) =>
        new KeepAliveAnnouncingChannelAdapter(_inner.CreateClientAdapter(options, packetInspector, logger), keepAliveSeconds);
}
