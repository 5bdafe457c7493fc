namespace FedEdge.Core.SecretSharing;

/// <summary>
/// Arithmetic in the prime field GF(p), p = 2⁶¹ − 1 (a Mersenne prime). Elements are <see cref="ulong"/> values in
/// [0, p). Reduction uses 2⁶¹ ≡ 1 (mod p): a 122-bit product hi·2⁶⁴ + lo folds to (lo mod 2⁶¹) + (product ≫ 61), one
/// conditional subtraction. Branch-light and allocation-free; no secret-dependent table lookups.
/// </summary>
/// <remarks>
/// Why this field for Shamir sharing (Shamir 1979): the scheme is information-theoretically hiding in any field larger
/// than the number of parties, so the field only has to hold the share abscissae 1…n and the secret's limbs. With
/// 56-bit limbs a 32-byte seed is 5 elements (40 bytes per share), against 3 elements of 16 bytes (48 bytes) in the
/// 127-bit Mersenne field, and the arithmetic stays in 64-bit words with <see cref="Math.BigMul(ulong, ulong, out ulong)"/>.
/// </remarks>
internal static class MersenneField61
{
    /// <summary>The modulus p = 2⁶¹ − 1.</summary>
    public const ulong Modulus = (1UL << 61) - 1;

    public static ulong Add(ulong a, ulong b)
    {
        ulong sum = a + b; // < 2⁶²: no wrap
        return sum >= Modulus ? sum - Modulus : sum;
    }

    public static ulong Subtract(ulong a, ulong b) => a >= b ? a - b : a + Modulus - b;

    public static ulong Multiply(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);

        // product = high·2⁶⁴ + low < 2¹²²; split at bit 61: product = (product ≫ 61)·2⁶¹ + (low & p) ≡ (product ≫ 61) + (low & p).
        ulong folded = (low & Modulus) + ((low >> 61) | (high << 3));
        return folded >= Modulus ? folded - Modulus : folded;
    }

    /// <summary>a⁻¹ = a^(p−2) by Fermat's little theorem; <paramref name="a"/> must be non-zero.</summary>
    public static ulong Inverse(ulong a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("Zero has no inverse in GF(2⁶¹ − 1).");
        }

        ulong result = 1;
        ulong power = a;
        ulong exponent = Modulus - 2;
        while (exponent != 0)
        {
            if ((exponent & 1) != 0)
            {
                result = Multiply(result, power);
            }

            power = Multiply(power, power);
            exponent >>= 1;
        }

        return result;
    }
}
