using MQTTnet;

namespace FedEdge.Protocol.Transport;

/// <summary>A successful PUBACK (reason code below 0x80).</summary>
/// <param name="ReasonCode">Success, or NoMatchingSubscribers (0x10): accepted, but nobody's subscription matched.</param>
public readonly record struct PublishAcknowledgement(MqttClientPublishReasonCode ReasonCode)
{
    /// <summary>
    /// True when the broker accepted the message but delivered it to nobody (MQTT 5 reason 0x10). For a retained
    /// message that is fine; for an update it means the update is lost unless the sender publishes it again.
    /// </summary>
    public bool NoMatchingSubscribers => ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers;
}
