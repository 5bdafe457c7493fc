namespace FedEdge.Protocol.Topics;

/// <summary>A parsed FedEdge topic: its kind, fleet and — for per-device topics — device.</summary>
/// <param name="Kind">What the topic carries.</param>
/// <param name="Fleet">The fleet id.</param>
/// <param name="Device">The device id for per-device topics (<see cref="TopicScheme.IsPerDevice"/>); null for model and pace.</param>
public readonly record struct TopicAddress(TopicKind Kind, string Fleet, string? Device);
