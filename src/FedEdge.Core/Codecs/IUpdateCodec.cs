using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// Encodes an update (local − global, float32 over a <see cref="ParameterLayout"/> or a trainable
/// subset of it) into a compact self-describing payload on the device, and decodes it on the
/// aggregator.
/// </summary>
/// <remarks>
/// Payload = a 16-byte header (magic "FU", format version, <see cref="UpdateEncoding"/> byte,
/// element count, tensor count, layout fingerprint; little-endian) followed by the codec's body.
/// Encoding writes into a caller-provided buffer of at least <see cref="MaxEncodedSize"/> bytes and
/// allocates nothing in steady state. Decoding treats the payload as hostile: every count and index
/// is checked against the layout and the payload length before anything is written; a rejected
/// payload leaves the destination untouched (structural errors) or zero-filled (a NaN/∞ value
/// found while converting), never partially written and never written outside its bounds.
/// Decoding is stateless and thread-safe; encoding may use per-instance state (randomness, an
/// error-feedback residual) and is then not thread-safe.
/// </remarks>
public interface IUpdateCodec
{
    /// <summary>The encoding this codec writes and reads.</summary>
    UpdateEncoding Encoding { get; }

    /// <summary>The largest payload this codec writes for <paramref name="layout"/>, header included.</summary>
    int MaxEncodedSize(ParameterLayout layout);

    /// <summary>
    /// Encodes <paramref name="update"/> (length = the layout's total length, all finite) into
    /// <paramref name="destination"/> and returns the number of bytes written.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths do not match, the buffer is too small, or a value is not finite.</exception>
    int Encode(ReadOnlySpan<float> update, ParameterLayout layout, Span<byte> destination);

    /// <summary>
    /// Decodes <paramref name="payload"/> into <paramref name="destination"/> (length = the layout's
    /// total length; coordinates a sparse codec did not send become zero).
    /// </summary>
    /// <returns><see cref="DecodeResult.Success"/>, or the reason the payload was rejected.</returns>
    /// <exception cref="ArgumentException">The destination length differs from the layout's (a caller bug, not bad input).</exception>
    DecodeResult TryDecode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination);

    /// <summary>As <see cref="TryDecode"/>, but a rejected payload throws.</summary>
    /// <exception cref="CodecException">The payload was rejected; <see cref="CodecException.Error"/> says why.</exception>
    void Decode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination);
}
