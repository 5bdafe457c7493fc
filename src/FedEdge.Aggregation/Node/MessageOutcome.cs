using FedEdge.Aggregation.Engine;
using FedEdge.Protocol.Topics;

namespace FedEdge.Aggregation.Node;

/// <summary>What the node did with one message: the topic kind it read, and for an update the engine's verdict.</summary>
/// <param name="Topic">The topic as received.</param>
/// <param name="Kind">The v1 topic kind, or null when the topic is not one (counted as <c>UnexpectedTopic</c>).</param>
/// <param name="Device">The device the topic names, if any.</param>
/// <param name="PayloadBytes">The payload's length.</param>
/// <param name="VersionBefore">The global model version when the message was handled.</param>
/// <param name="Intake">For an update: validated, persisted or refused, and whether it completed a step.</param>
public sealed record MessageOutcome(string Topic, TopicKind? Kind, string? Device, int PayloadBytes, long VersionBefore, IntakeResult? Intake);
