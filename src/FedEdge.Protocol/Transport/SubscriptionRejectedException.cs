using MQTTnet;

namespace FedEdge.Protocol.Transport;

/// <summary>The broker refused a subscription (SUBACK with a failure result code, e.g. NotAuthorized).</summary>
public sealed class SubscriptionRejectedException : Exception
{
    /// <summary>Creates the exception for a refused <paramref name="topicFilter"/>.</summary>
    public SubscriptionRejectedException(string topicFilter, MqttClientSubscribeResultCode resultCode)
        : base($"Broker refused the subscription '{topicFilter}' with result code {resultCode} (0x{(int)resultCode:X2}).")
    {
        TopicFilter = topicFilter;
        ResultCode = resultCode;
    }

    /// <summary>Creates the exception.</summary>
    public SubscriptionRejectedException() : this(string.Empty, MqttClientSubscribeResultCode.UnspecifiedError) { }

    /// <summary>Creates the exception with a message.</summary>
    public SubscriptionRejectedException(string message) : base(message) => TopicFilter = string.Empty;

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public SubscriptionRejectedException(string message, Exception innerException) : base(message, innerException) => TopicFilter = string.Empty;

    /// <summary>The refused topic filter.</summary>
    public string TopicFilter { get; }

    /// <summary>MQTT SUBACK result code.</summary>
    public MqttClientSubscribeResultCode ResultCode { get; } = MqttClientSubscribeResultCode.UnspecifiedError;
}
