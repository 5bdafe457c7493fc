namespace FedEdge.Core.Codecs;

/// <summary>Why a payload was rejected by a codec.</summary>
public enum CodecError
{
    /// <summary>The payload was accepted.</summary>
    None = 0,

    /// <summary>The payload is shorter than its header and counts require.</summary>
    Truncated,

    /// <summary>The payload has bytes after the last element its header and counts describe.</summary>
    TrailingBytes,

    /// <summary>The first two bytes are not the FedEdge update magic.</summary>
    BadMagic,

    /// <summary>The header's format version is not one this build reads.</summary>
    UnsupportedVersion,

    /// <summary>The header's encoding byte names no known encoding.</summary>
    UnknownEncoding,

    /// <summary>The header's encoding is a different codec's.</summary>
    WrongEncoding,

    /// <summary>Element count, tensor count or layout fingerprint differ from the receiver's layout.</summary>
    LayoutMismatch,

    /// <summary>A count inside the payload exceeds what the layout or codec settings allow.</summary>
    CountOutOfRange,

    /// <summary>A coordinate index is outside the layout's flat buffer.</summary>
    IndexOutOfRange,

    /// <summary>Coordinate indices are not strictly increasing (unsorted or duplicated).</summary>
    IndicesNotIncreasing,

    /// <summary>A value is NaN or infinite.</summary>
    NonFiniteValue,

    /// <summary>A quantisation scale is NaN, infinite, negative or so large that decoding overflows.</summary>
    InvalidScale,

    /// <summary>A quantised value lies outside the codec's symmetric range.</summary>
    QuantisedValueOutOfRange,

    /// <summary>The payload was encoded for a different sparse subset than the receiver assigned.</summary>
    SubsetMismatch,
}
