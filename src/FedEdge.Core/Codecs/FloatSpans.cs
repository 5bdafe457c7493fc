using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace FedEdge.Core.Codecs;

/// <summary>Little-endian float32 copies and finiteness scans used by the codecs.</summary>
internal static class FloatSpans
{
    /// <summary>Index of the first NaN or ±∞, or −1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return -1;
        }

        // Vectorised fast path: MaxMagnitude returns NaN when any element is NaN and +∞ when any is ±∞.
        if (float.IsFinite(TensorPrimitives.MaxMagnitude(values)))
        {
            return -1;
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static void WriteLittleEndian(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(source).CopyTo(destination);
            return;
        }

        for (int i = 0; i < source.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], source[i]);
        }
    }

    public static void ReadLittleEndian(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            source[..(4 * destination.Length)].CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
        }
    }
}
