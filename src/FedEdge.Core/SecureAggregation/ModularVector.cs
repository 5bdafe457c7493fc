using System.Numerics.Tensors;

namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// Vectors of b-bit integers mod 2^b, 1 ≤ b ≤ 16, held one per <see cref="ushort"/>: the group Z_{2^b}^d in which
/// secure aggregation masks and sums (Bonawitz et al. 2017, §3: inputs in Z_R with R = 2^b). Arithmetic wraps at 2¹⁶
/// and is reduced mod 2^b where a value leaves this layer, which is exact because 2^b divides 2¹⁶.
/// </summary>
public static class ModularVector
{
    /// <summary>Widest coordinate supported (issue 3/5: bits per coordinate ≤ 16).</summary>
    public const int MaxBits = 16;

    /// <summary>Throws unless 1 ≤ <paramref name="bits"/> ≤ <see cref="MaxBits"/>.</summary>
    public static void ValidateBits(int bits)
    {
        if (bits < 1 || bits > MaxBits)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"Bits per coordinate must lie in [1, {MaxBits}].");
        }
    }

    /// <summary>2^b − 1, the mask that reduces a 16-bit word mod 2^b.</summary>
    public static ushort Mask(int bits)
    {
        ValidateBits(bits);
        return (ushort)((1 << bits) - 1);
    }

    /// <summary>values[i] ← values[i] mod 2^b.</summary>
    public static void Reduce(Span<ushort> values, int bits) => TensorPrimitives.BitwiseAnd(values, Mask(bits), values);

    /// <summary>sum[i] ← sum[i] + vector[i] (mod 2¹⁶; reduce mod 2^b when done). The aggregator's running sum of masked inputs.</summary>
    public static void Accumulate(Span<ushort> sum, ReadOnlySpan<ushort> vector)
    {
        if (sum.Length != vector.Length)
        {
            throw new ArgumentException($"Length {vector.Length} differs from the sum's {sum.Length}.", nameof(vector));
        }

        TensorPrimitives.Add(sum, vector, sum);
    }

    /// <summary>True when every value is below 2^b.</summary>
    public static bool AllBelowModulus(ReadOnlySpan<ushort> values, int bits)
    {
        ushort mask = Mask(bits);
        foreach (ushort value in values)
        {
            if ((value & ~mask) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The representative of v mod 2^b in [−2^(b−1), 2^(b−1)) (two's complement of width b).</summary>
    public static int ToSigned(ushort value, int bits)
    {
        int v = value & Mask(bits);
        return v >= (1 << (bits - 1)) ? v - (1 << bits) : v;
    }

    /// <summary>v mod 2^b for any integer v (the wrap of Kairouz, Liu, Steinke 2021, Alg. 1, "modular clipping").</summary>
    public static ushort FromSigned(long value, int bits) => (ushort)(value & Mask(bits));
}
