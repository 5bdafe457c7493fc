namespace FedEdge.Protocol.Transport;

/// <summary>
/// One inbound message. The broker keeps it (and redelivers it after a reconnect) until the consumer calls
/// <see cref="AcknowledgeAsync"/> — which the consumer does only after it persisted the message. MQTT requires
/// PUBACKs in arrival order (MQTT 5.0 §4.6), so consumers acknowledge in the order they read the channel.
/// </summary>
public sealed class ReceivedMessage
{
    private readonly Func<CancellationToken, Task> _acknowledge;
    private int _acknowledged;

    internal ReceivedMessage(string topic, ReadOnlyMemory<byte> payload, bool retain, bool duplicate, Func<CancellationToken, Task> acknowledge)
    {
        Topic = topic;
        Payload = payload;
        Retain = retain;
        Duplicate = duplicate;
        _acknowledge = acknowledge;
    }

    /// <summary>Topic the message was published on.</summary>
    public string Topic { get; }

    /// <summary>Payload bytes (a private copy; the consumer may keep it).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>True when the broker delivered a retained message (e.g. the global model on subscribe).</summary>
    public bool Retain { get; }

    /// <summary>True when the broker marked this as a redelivery; consumers deduplicate by content id anyway.</summary>
    public bool Duplicate { get; }

    /// <summary>
    /// Sends the PUBACK. Idempotent. If the connection that delivered the message is gone the acknowledgement is
    /// skipped (and logged): the broker redelivers the message on the new connection.
    /// </summary>
    public Task AcknowledgeAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref _acknowledged, 1) == 0 ? _acknowledge(cancellationToken) : Task.CompletedTask;
}
