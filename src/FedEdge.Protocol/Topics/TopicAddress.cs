namespace FedEdge.Protocol.Topics;

/// <summary>A parsed FedEdge topic: its kind, fleet and — for per-device topics — device.</summary>
/// <param name="Kind">What the topic carries.</param>
/// <param name="Fleet">The fleet id.</param>
/// <param name="Device">The device id for updates, status and predictions; null for model and pace.</param>
public readonly record struct TopicAddress(TopicKind Kind, string Fleet, string? Device);
