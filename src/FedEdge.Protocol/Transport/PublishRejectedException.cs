using MQTTnet;

namespace FedEdge.Protocol.Transport;

/// <summary>The broker answered a QoS 1 publish with a failure reason code (e.g. 0x87 NotAuthorized from the ACL).</summary>
public sealed class PublishRejectedException : Exception
{
    /// <summary>Creates the exception for a rejected publish on <paramref name="topic"/>.</summary>
    public PublishRejectedException(string topic, MqttClientPublishReasonCode reasonCode, string? reasonString)
        : base($"Broker rejected the publish on '{topic}' with reason code {reasonCode} (0x{(int)reasonCode:X2}){(string.IsNullOrEmpty(reasonString) ? "" : ": " + reasonString)}.")
    {
        Topic = topic;
        ReasonCode = reasonCode;
    }

    /// <summary>Creates the exception with a message.</summary>
    public PublishRejectedException() : this(string.Empty, MqttClientPublishReasonCode.UnspecifiedError, null) { }

    /// <summary>Creates the exception with a message.</summary>
    public PublishRejectedException(string message) : base(message) => Topic = string.Empty;

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public PublishRejectedException(string message, Exception innerException) : base(message, innerException) => Topic = string.Empty;

    /// <summary>Topic of the rejected message.</summary>
    public string Topic { get; }

    /// <summary>MQTT 5 PUBACK reason code.</summary>
    public MqttClientPublishReasonCode ReasonCode { get; } = MqttClientPublishReasonCode.UnspecifiedError;
}
