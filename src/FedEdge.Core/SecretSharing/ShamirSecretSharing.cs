using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FedEdge.Core.Privacy;
using Field = FedEdge.Core.SecretSharing.MersenneField61;

namespace FedEdge.Core.SecretSharing;

/// <summary>
/// t-of-n Shamir secret sharing (Shamir 1979, "How to Share a Secret") over GF(2⁶¹ − 1), as secure aggregation uses it
/// to let the server recover a dropped device's mask key or a survivor's self-mask seed (Bonawitz et al. 2017, §4).
/// The secret is cut into 7-byte little-endian limbs (each &lt; 2⁵⁶ &lt; p); limb j is the constant term of its own
/// random polynomial f_j of degree t − 1, and share x holds (f_0(x), f_1(x), …). Any t shares give f_j(0) by Lagrange
/// interpolation; any t − 1 shares are jointly uniform whatever the secret (every secret is consistent with them).
/// </summary>
public static class ShamirSecretSharing
{
    /// <summary>Most shares of one secret (share indices are 1…MaxShares, so they fit the wire's 16-bit field).</summary>
    public const int MaxShares = ushort.MaxValue;

    /// <summary>Longest secret accepted, in bytes (a 32-byte seed or P-256 scalar is the intended use).</summary>
    public const int MaxSecretBytes = 64;

    /// <summary>Bytes per limb: 56 bits, strictly below the field modulus.</summary>
    public const int LimbBytes = 7;

    /// <summary>Field elements per share for a secret of <paramref name="secretLength"/> bytes.</summary>
    public static int LimbCount(int secretLength) => (secretLength + LimbBytes - 1) / LimbBytes;

    /// <summary>
    /// Splits <paramref name="secret"/> into <paramref name="shareCount"/> shares at indices 1…n, any
    /// <paramref name="threshold"/> of which reconstruct it. The polynomial coefficients are uniform in GF(p), drawn from
    /// <paramref name="rng"/> (owned by the caller).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The secret is empty or longer than <see cref="MaxSecretBytes"/>, or not 2 ≤ t ≤ n ≤ <see cref="MaxShares"/>.
    /// </exception>
    public static SecretShare[] Split(ReadOnlySpan<byte> secret, int threshold, int shareCount, RandomNumberGenerator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (secret.IsEmpty || secret.Length > MaxSecretBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(secret), secret.Length, $"A secret must be 1…{MaxSecretBytes} bytes.");
        }

        // t = 1 would put the secret in every share.
        if (threshold < 2 || threshold > shareCount || shareCount > MaxShares)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"Need 2 ≤ t ≤ n ≤ {MaxShares}; got t = {threshold}, n = {shareCount}.");
        }

        int limbs = LimbCount(secret.Length);
        var bits = new SecureRandomBits(rng);
        var coefficients = new ulong[threshold];
        var values = new ulong[shareCount * limbs]; // row x − 1 holds share x
        for (int limb = 0; limb < limbs; limb++)
        {
            coefficients[0] = ReadLimb(secret, limb);
            for (int k = 1; k < threshold; k++)
            {
                coefficients[k] = bits.NextBelow(Field.Modulus);
            }

            for (int x = 1; x <= shareCount; x++)
            {
                values[((x - 1) * limbs) + limb] = Evaluate(coefficients, (ulong)x);
            }
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(coefficients.AsSpan()));
        var shares = new SecretShare[shareCount];
        for (int x = 1; x <= shareCount; x++)
        {
            shares[x - 1] = new SecretShare(x, values.AsSpan((x - 1) * limbs, limbs));
        }

        return shares;
    }

    /// <summary>
    /// Reconstructs a secret of <paramref name="secretLength"/> bytes from at least <paramref name="threshold"/> shares.
    /// Interpolates at 0 from the first t distinct shares (Lagrange: f(0) = Σ_i y_i Π_{j≠i} x_j/(x_j − x_i)) and checks
    /// every further share against that polynomial, so one corrupt share among more than t is detected, not used.
    /// Refuses — releasing nothing — below the threshold and on any duplicate, conflicting or out-of-range share.
    /// </summary>
    public static ShamirReconstruction Reconstruct(IReadOnlyList<SecretShare> shares, int threshold, int secretLength)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (secretLength < 1 || secretLength > MaxSecretBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(secretLength), secretLength, $"A secret must be 1…{MaxSecretBytes} bytes.");
        }

        if (threshold < 2 || threshold > MaxShares)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"The threshold must lie in [2, {MaxShares}].");
        }

        int limbs = LimbCount(secretLength);
        ShamirReconstruction? rejection = Validate(shares, limbs);
        if (rejection is not null)
        {
            return rejection;
        }

        if (shares.Count < threshold)
        {
            return ShamirReconstruction.Refused(ShareRejection.BelowThreshold, $"{shares.Count} distinct shares, threshold {threshold}.");
        }

        // Lagrange basis at 0 for the first t abscissae.
        var weightsAtZero = new ulong[threshold];
        for (int i = 0; i < threshold; i++)
        {
            weightsAtZero[i] = LagrangeWeight(shares, threshold, i, 0);
        }

        var secret = new byte[secretLength];
        for (int limb = 0; limb < limbs; limb++)
        {
            ulong value = 0;
            for (int i = 0; i < threshold; i++)
            {
                value = Field.Add(value, Field.Multiply(weightsAtZero[i], shares[i].Values[limb]));
            }

            int width = Math.Min(LimbBytes, secretLength - (limb * LimbBytes));
            if ((value >> (8 * width)) != 0)
            {
                return ShamirReconstruction.Refused(ShareRejection.InconsistentShares, $"Limb {limb} interpolates to a value wider than {width} bytes.");
            }

            WriteLimb(secret, limb, value);
        }

        for (int extra = threshold; extra < shares.Count; extra++)
        {
            ulong x = (ulong)shares[extra].Index;
            for (int limb = 0; limb < limbs; limb++)
            {
                ulong predicted = 0;
                for (int i = 0; i < threshold; i++)
                {
                    predicted = Field.Add(predicted, Field.Multiply(LagrangeWeight(shares, threshold, i, x), shares[i].Values[limb]));
                }

                if (predicted != shares[extra].Values[limb])
                {
                    CryptographicOperations.ZeroMemory(secret);
                    return ShamirReconstruction.Refused(
                        ShareRejection.InconsistentShares, $"Share {shares[extra].Index} is off the polynomial through the first {threshold} shares.");
                }
            }
        }

        return ShamirReconstruction.Success(secret);
    }

    private static ShamirReconstruction? Validate(IReadOnlyList<SecretShare> shares, int limbs)
    {
        var seen = new Dictionary<int, SecretShare>(shares.Count);
        foreach (SecretShare share in shares)
        {
            ArgumentNullException.ThrowIfNull(share, nameof(shares));
            if (share.Index < 1 || share.Index > MaxShares)
            {
                return ShamirReconstruction.Refused(ShareRejection.IndexOutOfRange, $"Share index {share.Index} is outside [1, {MaxShares}].");
            }

            if (share.Values.Length != limbs)
            {
                return ShamirReconstruction.Refused(ShareRejection.MalformedShare, $"Share {share.Index} has {share.Values.Length} values, expected {limbs}.");
            }

            foreach (ulong value in share.Values)
            {
                if (value >= Field.Modulus)
                {
                    return ShamirReconstruction.Refused(ShareRejection.ValueOutOfField, $"Share {share.Index} holds {value} ≥ 2⁶¹ − 1.");
                }
            }

            if (seen.TryGetValue(share.Index, out SecretShare? earlier))
            {
                return earlier.Values.SequenceEqual(share.Values)
                    ? ShamirReconstruction.Refused(ShareRejection.DuplicateShare, $"Share {share.Index} appears twice.")
                    : ShamirReconstruction.Refused(ShareRejection.ConflictingShares, $"Two different shares claim index {share.Index}.");
            }

            seen.Add(share.Index, share);
        }

        return null;
    }

    // L_i(x) = Π_{j≠i, j<t} (x − x_j)/(x_i − x_j) over the first t abscissae (distinct, validated).
    private static ulong LagrangeWeight(IReadOnlyList<SecretShare> shares, int threshold, int i, ulong x)
    {
        ulong xi = (ulong)shares[i].Index;
        ulong numerator = 1;
        ulong denominator = 1;
        for (int j = 0; j < threshold; j++)
        {
            if (j == i)
            {
                continue;
            }

            ulong xj = (ulong)shares[j].Index;
            numerator = Field.Multiply(numerator, Field.Subtract(x, xj));
            denominator = Field.Multiply(denominator, Field.Subtract(xi, xj));
        }

        return Field.Multiply(numerator, Field.Inverse(denominator));
    }

    // Horner: a_0 + x(a_1 + x(a_2 + …)).
    private static ulong Evaluate(ReadOnlySpan<ulong> coefficients, ulong x)
    {
        ulong value = 0;
        for (int k = coefficients.Length - 1; k >= 0; k--)
        {
            value = Field.Add(Field.Multiply(value, x), coefficients[k]);
        }

        return value;
    }

    private static ulong ReadLimb(ReadOnlySpan<byte> secret, int limb)
    {
        Span<byte> word = stackalloc byte[sizeof(ulong)];
        word.Clear();
        int start = limb * LimbBytes;
        secret.Slice(start, Math.Min(LimbBytes, secret.Length - start)).CopyTo(word);
        return BinaryPrimitives.ReadUInt64LittleEndian(word);
    }

    private static void WriteLimb(Span<byte> secret, int limb, ulong value)
    {
        Span<byte> word = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(word, value);
        int start = limb * LimbBytes;
        int width = Math.Min(LimbBytes, secret.Length - start);
        word[..width].CopyTo(secret.Slice(start, width));
    }
}
