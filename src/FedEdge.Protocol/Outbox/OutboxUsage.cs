namespace FedEdge.Protocol.Outbox;

/// <summary>How full the outbox is.</summary>
/// <param name="Entries">Entries waiting.</param>
/// <param name="Bytes">Payload plus UTF-8 topic bytes waiting.</param>
public readonly record struct OutboxUsage(int Entries, long Bytes);
