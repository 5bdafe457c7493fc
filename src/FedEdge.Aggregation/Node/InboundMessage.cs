namespace FedEdge.Aggregation.Node;

/// <summary>
/// One message the broker delivered to the aggregator, with the way to acknowledge it. The driver wraps its transport's
/// message (MQTTnet's, through <c>ReceivedMessage</c>) in this, so the node needs no broker and tests need no client.
/// </summary>
/// <param name="Topic">The topic it was published on.</param>
/// <param name="Payload">Its bytes.</param>
/// <param name="Acknowledge">Tells the broker it may forget the message; called only after its effect is persisted.</param>
public sealed record InboundMessage(string Topic, ReadOnlyMemory<byte> Payload, Func<CancellationToken, Task> Acknowledge);
