namespace FedEdge.Protocol.Wire;

/// <summary>
/// The protocol major version this build speaks. Field 1 of every top-level wire message carries it,
/// in every major version, so a receiver can refuse a newer major with a clear message before it
/// interprets anything else (see fededge.proto).
/// </summary>
public static class ProtocolVersion
{
    /// <summary>The major version written into and required of every message.</summary>
    public const uint Major = 1;
}
