using FedEdge.Core.Codecs;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// Maps the wire enum <see cref="PayloadEncoding"/> to Core's <see cref="UpdateEncoding"/>. The two
/// are numbered alike on purpose (the payload header byte), so the mapping is a checked cast.
/// </summary>
public static class WireEncodings
{
    /// <summary>The wire value for a codec's encoding.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="encoding"/> is None or unknown.</exception>
    public static PayloadEncoding ToWire(UpdateEncoding encoding) =>
        encoding != UpdateEncoding.None && Enum.IsDefined(encoding) && Enum.IsDefined((PayloadEncoding)(int)encoding)
            ? (PayloadEncoding)(int)encoding
            : throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Not a payload encoding.");

    /// <summary>The codec encoding for a wire value; false for Unspecified and values this build does not know.</summary>
    public static bool TryFromWire(PayloadEncoding encoding, out UpdateEncoding result)
    {
        result = (UpdateEncoding)(byte)encoding;
        bool known = encoding != PayloadEncoding.Unspecified
            && Enum.IsDefined(encoding)
            && (int)encoding <= byte.MaxValue
            && Enum.IsDefined(result);
        if (!known)
        {
            result = UpdateEncoding.None;
        }

        return known;
    }
}
