namespace FedEdge.Protocol.Wire;

/// <summary>Why a received wire message was rejected.</summary>
public enum WireError
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>The buffer is larger than the configured limit; nothing was parsed.</summary>
    TooLarge,

    /// <summary>Not well-formed protobuf (truncated, bad varint, length past the end, bad tag).</summary>
    Malformed,

    /// <summary>Well-formed, but over a structural limit (tags, unknown fields, packed elements, nesting).</summary>
    TooComplex,

    /// <summary>The protocol major version field is absent.</summary>
    MissingVersion,

    /// <summary>The protocol major version is not the one this build speaks.</summary>
    UnsupportedVersion,

    /// <summary>Parsed, but a field value breaks a protocol rule (charset, range, length, consistency).</summary>
    InvalidField,
}
