namespace FedEdge.Protocol.Transport;

/// <summary>Publishes one message at QoS 1 and completes only once the broker acknowledged it (PUBACK success).</summary>
public interface IAcknowledgedPublisher
{
    /// <summary>
    /// Waits for a connection, publishes, and returns after a successful PUBACK. Throws
    /// <see cref="PublishRejectedException"/> when the broker answered with a failure reason code and
    /// <see cref="TransportUnavailableException"/> when the connection broke before the PUBACK arrived (the message
    /// may or may not have reached the broker: at-least-once callers publish it again). The acknowledgement tells
    /// whether any subscription matched.
    /// </summary>
    Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken);
}
