using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// The reference encoding: every element as a little-endian float32. Payload = header + 4·n bytes;
/// lossless.
/// </summary>
public sealed class DenseFloat32Codec : IUpdateCodec
{
    /// <inheritdoc/>
    public UpdateEncoding Encoding => UpdateEncoding.DenseFloat32;

    /// <inheritdoc/>
    public int MaxEncodedSize(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return checked(UpdateHeader.Size + (4 * layout.TotalLength));
    }

    /// <inheritdoc/>
    public int Encode(ReadOnlySpan<float> update, ParameterLayout layout, Span<byte> destination)
    {
        int size = MaxEncodedSize(layout);
        CodecArguments.CheckEncode(update, layout, destination, size);
        CodecArguments.CheckFinite(update, nameof(update));
        UpdateHeader.Write(destination, Encoding, layout);
        FloatSpans.WriteLittleEndian(update, destination[UpdateHeader.Size..]);
        return size;
    }

    /// <inheritdoc/>
    public DecodeResult TryDecode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination)
    {
        CodecArguments.CheckDecode(layout, destination);
        var result = UpdateHeader.Validate(payload, Encoding, layout);
        if (!result.Succeeded)
        {
            return result;
        }

        result = UpdateHeader.CheckLength(payload.Length, UpdateHeader.Size + (4L * layout.TotalLength));
        if (!result.Succeeded)
        {
            return result;
        }

        FloatSpans.ReadLittleEndian(payload[UpdateHeader.Size..], destination);
        int bad = FloatSpans.IndexOfNonFinite(destination);
        if (bad >= 0)
        {
            float value = destination[bad];
            destination.Clear();
            return UpdateHeader.Fail(CodecError.NonFiniteValue, $"value at index {bad} is {value}");
        }

        return DecodeResult.Success;
    }

    /// <inheritdoc/>
    public void Decode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination) =>
        TryDecode(payload, layout, destination).ThrowIfFailed();
}
