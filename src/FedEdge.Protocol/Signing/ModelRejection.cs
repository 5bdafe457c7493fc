namespace FedEdge.Protocol.Signing;

/// <summary>Why a received global model was not accepted.</summary>
public enum ModelRejection
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>No signature or no key id.</summary>
    NotSigned,

    /// <summary>Signed by a key id that is not pinned on this device.</summary>
    UnknownKey,

    /// <summary>The signature does not verify: the model was altered or signed by another key.</summary>
    BadSignature,

    /// <summary>The protocol major version is not the one this build speaks.</summary>
    UnsupportedVersion,

    /// <summary>Authentic, but for another fleet.</summary>
    FleetMismatch,

    /// <summary>Authentic, but for another model architecture than this device runs.</summary>
    ArchitectureMismatch,

    /// <summary>Authentic, but not newer than the last accepted model (a rollback or replay).</summary>
    Rollback,
}
