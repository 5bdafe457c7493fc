using Microsoft.Extensions.Logging;

namespace FedEdge.Protocol.Outbox;

/// <summary>Source-generated log messages of the outbox (event ids 1100–1199).</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Outbox {DatabasePath} opened with {Entries} entries ({Bytes} bytes) waiting")]
    public static partial void Opened(this ILogger logger, string databasePath, int entries, long bytes);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Outbox {DatabasePath} full ({Entries} entries, {Bytes} bytes): refused update {UpdateId}")]
    public static partial void Full(this ILogger logger, string databasePath, int entries, long bytes, string updateId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Outbox delivered update {UpdateId} on {Topic} after {Attempts} failed attempts")]
    public static partial void Delivered(this ILogger logger, string updateId, string topic, int attempts);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Outbox publish of update {UpdateId} interrupted by the connection; it stays queued")]
    public static partial void TransportInterrupted(this ILogger logger, string updateId, Exception exception);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Broker rejected update {UpdateId} on {Topic} (attempt {Attempts}); it stays queued")]
    public static partial void Rejected(this ILogger logger, string updateId, string topic, int attempts, Exception exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Broker had no subscriber for update {UpdateId} on {Topic} (attempt {Attempts}); it stays queued")]
    public static partial void NoMatchingSubscribers(this ILogger logger, string updateId, string topic, int attempts);
}
