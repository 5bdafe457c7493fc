using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// IEEE 754 binary16 (<see cref="Half"/>), round-to-nearest-even. Payload = header + 2·n bytes.
/// Relative error ≤ 2⁻¹¹ for |x| ≥ 2⁻¹⁴ (normal halves, 11-bit significand), absolute error
/// ≤ 2⁻²⁵ below that (subnormal spacing 2⁻²⁴).
/// </summary>
public sealed class Float16Codec : IUpdateCodec
{
    /// <summary>
    /// Values with magnitude at or above this round to ±∞ in binary16 (65504 is the largest half;
    /// 65520 is the midpoint to the next power of two, which round-half-even sends to ∞).
    /// </summary>
    public const float OverflowThreshold = 65520f;

    /// <inheritdoc/>
    public UpdateEncoding Encoding => UpdateEncoding.Float16;

    /// <inheritdoc/>
    public int MaxEncodedSize(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return checked(UpdateHeader.Size + (2 * layout.TotalLength));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">A value's magnitude is at least <see cref="OverflowThreshold"/> (clip the update first).</exception>
    public int Encode(ReadOnlySpan<float> update, ParameterLayout layout, Span<byte> destination)
    {
        int size = MaxEncodedSize(layout);
        CodecArguments.CheckEncode(update, layout, destination, size);
        CodecArguments.CheckFinite(update, nameof(update));
        float max = TensorPrimitives.MaxMagnitude(update);
        if (Math.Abs(max) >= OverflowThreshold)
        {
            throw new ArgumentOutOfRangeException(
                nameof(update),
                max,
                string.Create(CultureInfo.InvariantCulture, $"A value of magnitude {Math.Abs(max)} overflows float16 (largest finite half is 65504); clip the update first."));
        }

        UpdateHeader.Write(destination, Encoding, layout);
        var body = destination.Slice(UpdateHeader.Size, 2 * update.Length);
        if (BitConverter.IsLittleEndian)
        {
            TensorPrimitives.ConvertToHalf(update, MemoryMarshal.Cast<byte, Half>(body));
        }
        else
        {
            for (int i = 0; i < update.Length; i++)
            {
                BinaryPrimitives.WriteHalfLittleEndian(body[(2 * i)..], (Half)update[i]);
            }
        }

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

        result = UpdateHeader.CheckLength(payload.Length, UpdateHeader.Size + (2L * layout.TotalLength));
        if (!result.Succeeded)
        {
            return result;
        }

        var body = payload[UpdateHeader.Size..];
        if (BitConverter.IsLittleEndian)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(body), destination);
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(body[(2 * i)..]);
            }
        }

        // Half NaN/∞ convert to float NaN/∞, so one scan of the output finds them.
        int bad = FloatSpans.IndexOfNonFinite(destination);
        if (bad >= 0)
        {
            float value = destination[bad];
            destination.Clear();
            return UpdateHeader.Fail(CodecError.NonFiniteValue, $"float16 value at index {bad} is {value}");
        }

        return DecodeResult.Success;
    }

    /// <inheritdoc/>
    public void Decode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination) =>
        TryDecode(payload, layout, destination).ThrowIfFailed();
}
