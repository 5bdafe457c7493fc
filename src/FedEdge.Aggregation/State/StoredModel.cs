namespace FedEdge.Aggregation.State;

/// <summary>A global model version as persisted: its parameters and the exact signed message published for it.</summary>
/// <param name="Version">Monotonically increasing model version (1 = the initial model).</param>
/// <param name="CreatedAt">When the aggregator produced it.</param>
/// <param name="Parameters">All parameters, float32 little-endian, in the architecture's layout.</param>
/// <param name="SignedMessage">The serialised, signed GlobalModel, republished verbatim after a restart.</param>
public sealed record StoredModel(long Version, DateTimeOffset CreatedAt, byte[] Parameters, byte[] SignedMessage);
