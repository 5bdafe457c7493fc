namespace FedEdge.Protocol.Outbox;

/// <summary>One message waiting in the outbox for its PUBACK.</summary>
/// <param name="UpdateId">16-byte update id; the outbox key, so enqueueing the same update twice stores it once.</param>
/// <param name="Topic">MQTT topic to publish on.</param>
/// <param name="Payload">Message bytes.</param>
/// <param name="CreatedAt">When it was enqueued.</param>
/// <param name="Attempts">Failed publish attempts so far.</param>
public sealed record OutboxEntry(ReadOnlyMemory<byte> UpdateId, string Topic, ReadOnlyMemory<byte> Payload, DateTimeOffset CreatedAt, int Attempts)
{
    /// <summary>Order of insertion (strictly increasing), used to walk the outbox oldest first.</summary>
    internal long Sequence { get; init; }
}
