namespace FedEdge.Device.Prediction;

/// <summary>One retained Home Assistant MQTT discovery message.</summary>
/// <param name="Topic"><c>&lt;prefix&gt;/sensor/&lt;node_id&gt;/&lt;object_id&gt;/config</c>.</param>
/// <param name="Payload">The UTF-8 JSON config.</param>
public sealed record DiscoveryConfig(string Topic, ReadOnlyMemory<byte> Payload);
