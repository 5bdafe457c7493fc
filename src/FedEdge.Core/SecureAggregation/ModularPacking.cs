namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// The wire form of a vector mod 2^b: b bits per coordinate, packed little-endian (coordinate 0 in the lowest bits of
/// byte 0), ⌈b·D/8⌉ bytes, the bits after the last coordinate zero. A masked input of D = 8,192 coordinates at b = 16 is
/// 16 KiB; at b = 12, 12 KiB. Unpacking refuses a buffer of the wrong length or with stray trailing bits, so one vector
/// has exactly one encoding.
/// </summary>
public static class ModularPacking
{
    /// <summary>⌈b·count/8⌉.</summary>
    public static int PackedLength(int count, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ModularVector.ValidateBits(bits);
        return (int)((((long)count * bits) + 7) / 8);
    }

    /// <summary>destination ← the packing of <paramref name="values"/> (each below 2^b).</summary>
    /// <exception cref="ArgumentException">A value is not below 2^b, or the destination is not <see cref="PackedLength"/> bytes.</exception>
    public static void Pack(ReadOnlySpan<ushort> values, int bits, Span<byte> destination)
    {
        if (destination.Length != PackedLength(values.Length, bits))
        {
            throw new ArgumentException($"{values.Length} values of {bits} bits pack into {PackedLength(values.Length, bits)} bytes; got {destination.Length}.", nameof(destination));
        }

        if (!ModularVector.AllBelowModulus(values, bits))
        {
            throw new ArgumentException($"Every value must be below 2^{bits}.", nameof(values));
        }

        ulong buffer = 0;
        int held = 0;
        int written = 0;
        foreach (ushort value in values)
        {
            buffer |= (ulong)value << held;
            held += bits;
            while (held >= 8)
            {
                destination[written++] = (byte)buffer;
                buffer >>= 8;
                held -= 8;
            }
        }

        if (held > 0)
        {
            destination[written] = (byte)buffer;
        }
    }

    /// <summary>destination ← the values packed in <paramref name="source"/>; false when its length or trailing bits are wrong.</summary>
    public static bool TryUnpack(ReadOnlySpan<byte> source, int bits, Span<ushort> destination)
    {
        if (source.Length != PackedLength(destination.Length, bits))
        {
            return false;
        }

        ulong mask = (1UL << bits) - 1;
        ulong buffer = 0;
        int held = 0;
        int read = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            while (held < bits)
            {
                buffer |= (ulong)source[read++] << held;
                held += 8;
            }

            destination[i] = (ushort)(buffer & mask);
            buffer >>= bits;
            held -= bits;
        }

        return buffer == 0;
    }
}
