using Microsoft.Extensions.Logging;

namespace FedEdge.Protocol.Transport;

/// <summary>Source-generated log messages of the MQTT transport (event ids 1000–1099).</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "MQTT client {ClientId} connected to {Host}:{Port} (session present: {SessionPresent})")]
    public static partial void Connected(this ILogger logger, string clientId, string host, int port, bool sessionPresent);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "MQTT client {ClientId} disconnected: {Reason}")]
    public static partial void Disconnected(this ILogger logger, string clientId, string reason, Exception? exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "MQTT client {ClientId} connect attempt {Attempt} failed; next attempt in {Delay}")]
    public static partial void ConnectAttemptFailed(this ILogger logger, string clientId, int attempt, TimeSpan delay, Exception? exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "MQTT client {ClientId}: connect circuit opened for {BreakDuration} after repeated failures")]
    public static partial void CircuitOpened(this ILogger logger, string clientId, TimeSpan breakDuration);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "MQTT client {ClientId}: connect circuit closed")]
    public static partial void CircuitClosed(this ILogger logger, string clientId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "MQTT client {ClientId} subscribed to {TopicFilter}")]
    public static partial void Subscribed(this ILogger logger, string clientId, string topicFilter);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "MQTT client {ClientId}: broker refused subscription {TopicFilter} ({ResultCode}); dropped from the resubscribe set")]
    public static partial void SubscriptionRefused(this ILogger logger, string clientId, string topicFilter, string resultCode);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "MQTT client {ClientId}: broker rejected publish on {Topic} with {ReasonCode}")]
    public static partial void PublishRejected(this ILogger logger, string clientId, string topic, string reasonCode);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "MQTT client {ClientId}: acknowledgement of a message on {Topic} skipped, its connection is gone; the broker will redeliver it")]
    public static partial void AcknowledgementSkipped(this ILogger logger, string clientId, string topic, Exception? exception);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "MQTT client {ClientId} stopped")]
    public static partial void Stopped(this ILogger logger, string clientId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Trace, Message = "MQTT client {ClientId} received a message on {Topic} (connection {Generation}, duplicate: {Duplicate})")]
    public static partial void MessageReceived(this ILogger logger, string clientId, string topic, long generation, bool duplicate);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Trace, Message = "MQTT client {ClientId} acknowledged a message on {Topic}")]
    public static partial void MessageAcknowledged(this ILogger logger, string clientId, string topic);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "MQTT client {ClientId}: keep-alive ping unanswered; dropping the connection to reconnect")]
    public static partial void PingUnanswered(this ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "MQTT client {ClientId}: the server at {Host}:{Port} is not the broker: {Refusal}")]
    public static partial void BrokerCertificateRefused(this ILogger logger, string clientId, string host, int port, string refusal);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "MQTT client {ClientId}: broker refused to remove subscription {TopicFilter} ({ResultCode})")]
    public static partial void UnsubscribeRefused(this ILogger logger, string clientId, string topicFilter, string resultCode);
}
