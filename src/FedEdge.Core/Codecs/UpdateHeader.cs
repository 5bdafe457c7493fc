using System.Buffers.Binary;
using System.Globalization;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// The 16-byte header every update payload starts with:
/// <c>'F' 'U' | version u8 | encoding u8 | element count u32 | tensor count u32 | layout fingerprint u32</c>,
/// little-endian. The fingerprint lets a receiver reject a payload built for a layout with the same
/// element count but other tensor names or shapes.
/// </summary>
internal static class UpdateHeader
{
    public const int Size = 16;
    public const byte Version = 1;
    private const byte Magic0 = (byte)'F';
    private const byte Magic1 = (byte)'U';

    public static void Write(Span<byte> destination, UpdateEncoding encoding, ParameterLayout layout)
    {
        destination[0] = Magic0;
        destination[1] = Magic1;
        destination[2] = Version;
        destination[3] = (byte)encoding;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)layout.TotalLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)layout.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Fingerprint(layout));
    }

    /// <summary>Reads the encoding byte when magic and version are right; no layout check.</summary>
    public static DecodeResult TryReadEncoding(ReadOnlySpan<byte> payload, out UpdateEncoding encoding)
    {
        encoding = UpdateEncoding.None;
        if (payload.Length < Size)
        {
            return Fail(CodecError.Truncated, $"payload truncated: the header needs {Size} bytes, got {payload.Length}");
        }

        if (payload[0] != Magic0 || payload[1] != Magic1)
        {
            return Fail(CodecError.BadMagic, $"not a FedEdge update: magic 0x{payload[0]:X2}{payload[1]:X2}, expected 0x{Magic0:X2}{Magic1:X2} (\"FU\")");
        }

        if (payload[2] != Version)
        {
            return Fail(CodecError.UnsupportedVersion, $"format version {payload[2]} is not supported (this build reads version {Version})");
        }

        var claimed = (UpdateEncoding)payload[3];
        if (claimed == UpdateEncoding.None || !Enum.IsDefined(claimed))
        {
            return Fail(CodecError.UnknownEncoding, $"unknown encoding byte {payload[3]}");
        }

        encoding = claimed;
        return DecodeResult.Success;
    }

    /// <summary>Checks magic, version, encoding and that the payload was built for <paramref name="layout"/>.</summary>
    public static DecodeResult Validate(ReadOnlySpan<byte> payload, UpdateEncoding expected, ParameterLayout layout)
    {
        var result = TryReadEncoding(payload, out var encoding);
        if (!result.Succeeded)
        {
            return result;
        }

        if (encoding != expected)
        {
            return Fail(CodecError.WrongEncoding, $"payload is encoded as {encoding} but this codec decodes {expected}");
        }

        uint elements = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        if (elements != (uint)layout.TotalLength)
        {
            return Fail(CodecError.LayoutMismatch, $"payload has {elements} elements but the layout has {layout.TotalLength}");
        }

        uint tensors = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        if (tensors != (uint)layout.Count)
        {
            return Fail(CodecError.LayoutMismatch, $"payload has {tensors} tensors but the layout has {layout.Count}");
        }

        uint fingerprint = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        uint expectedFingerprint = Fingerprint(layout);
        if (fingerprint != expectedFingerprint)
        {
            return Fail(CodecError.LayoutMismatch, $"layout fingerprint 0x{fingerprint:X8} differs from the receiver's 0x{expectedFingerprint:X8}: tensor names or shapes differ");
        }

        return DecodeResult.Success;
    }

    /// <summary>Rejects a payload whose length differs from the one its header and counts imply.</summary>
    public static DecodeResult CheckLength(int actual, long expected)
    {
        if (actual < expected)
        {
            return Fail(CodecError.Truncated, $"payload truncated: expected {expected} bytes, got {actual}");
        }

        if (actual > expected)
        {
            return Fail(CodecError.TrailingBytes, $"payload has {actual - expected} bytes after the expected {expected}");
        }

        return DecodeResult.Success;
    }

    /// <summary>
    /// 32-bit FNV-1a over every tensor's name (UTF-16 code units) and shape. Stable across processes
    /// and platforms, unlike <see cref="ParameterLayout.GetHashCode"/>; not a security check (a
    /// payload's integrity is the transport's job), only a guard against a mismatched layout.
    /// </summary>
    public static uint Fingerprint(ParameterLayout layout)
    {
        const uint offsetBasis = 2166136261;
        uint hash = offsetBasis;
        // Indexed loops: foreach over the IReadOnlyList views would box an enumerator per call.
        var tensors = layout.Tensors;
        for (int t = 0; t < tensors.Count; t++)
        {
            var tensor = tensors[t];
            hash = Mix(hash, (uint)tensor.Name.Length);
            foreach (char c in tensor.Name)
            {
                hash = Mix(hash, c);
            }

            var shape = tensor.Shape;
            hash = Mix(hash, (uint)shape.Count);
            for (int d = 0; d < shape.Count; d++)
            {
                hash = Mix(hash, (uint)shape[d]);
            }
        }

        return hash;
    }

    public static DecodeResult Fail(CodecError error, FormattableString message) =>
        DecodeResult.Failure(error, message.ToString(CultureInfo.InvariantCulture));

    private static uint Mix(uint hash, uint word)
    {
        const uint prime = 16777619;
        for (int i = 0; i < 4; i++)
        {
            hash ^= (byte)(word >> (8 * i));
            hash *= prime;
        }

        return hash;
    }
}
