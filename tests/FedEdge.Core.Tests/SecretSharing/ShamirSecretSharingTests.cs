using System.Numerics;
using FedEdge.Core.SecretSharing;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.SecretSharing;

public class ShamirSecretSharingTests
{
    private static byte[] Secret(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static SecretShare[] Split(byte[] secret, int t, int n, int seed)
    {
        using var rng = new SeededRandomNumberGenerator(seed);
        return ShamirSecretSharing.Split(secret, t, n, rng);
    }

    /// <summary>(t, n, secret length) in 2 ≤ t ≤ n ≤ 20, 1…64 bytes, from arbitrary bytes.</summary>
    private static (int T, int N, int Length) Shape(byte a, byte b, byte c)
    {
        int n = 2 + (a % 19);
        int t = 2 + (b % (n - 1));
        return (t, n, 1 + (c % ShamirSecretSharing.MaxSecretBytes));
    }

    /// <summary><paramref name="count"/> shares in a seeded random order.</summary>
    private static SecretShare[] Pick(SecretShare[] shares, int count, int seed)
    {
        SecretShare[] copy = [.. shares];
        new Random(seed).Shuffle(copy);
        return copy[..count];
    }

    [Property(MaxTest = 100)]
    public bool Any_t_of_n_shares_reconstruct_the_secret(int seed, byte a, byte b, byte c)
    {
        (int t, int n, int length) = Shape(a, b, c);
        byte[] secret = Secret(seed, length);
        SecretShare[] chosen = Pick(Split(secret, t, n, seed), t, seed);
        ShamirReconstruction result = ShamirSecretSharing.Reconstruct(chosen, t, length);
        return result.Succeeded && result.Secret.SequenceEqual(secret);
    }

    [Property(MaxTest = 100)]
    public bool More_than_t_shares_reconstruct_and_pass_the_consistency_check(int seed, byte a, byte b, byte c, byte extra)
    {
        (int t, int n, int length) = Shape(a, b, c);
        byte[] secret = Secret(seed, length);
        int count = t + (extra % (n - t + 1));
        ShamirReconstruction result = ShamirSecretSharing.Reconstruct(Pick(Split(secret, t, n, seed), count, seed ^ 5), t, length);
        return result.Succeeded && result.Secret.SequenceEqual(secret);
    }

    [Property(MaxTest = 60)]
    public bool Every_secret_is_consistent_with_t_minus_one_shares(int seed, byte a, byte b, byte c)
    {
        // Perfect hiding, by construction: for the t − 1 shares of secret S and any other secret S′, the polynomial
        // through (0, S′) and those t − 1 points (BigInteger Lagrange, FieldReference) is a valid sharing of S′ that
        // agrees with every share the adversary holds. Its value at a fresh index completes a t-set that the product
        // reconstructs to S′. So t − 1 shares rule out no secret.
        (int t, int n, int length) = Shape(a, b, c);
        if (t > n - 1)
        {
            t = Math.Max(2, n - 1);
        }

        byte[] secret = Secret(seed, length);
        byte[] other = Secret(seed + 1, length);
        SecretShare[] shares = Split(secret, t, n, seed);
        SecretShare[] held = Pick(shares, t - 1, seed);
        int freshIndex = shares.Select(s => s.Index).First(i => held.All(h => h.Index != i));

        BigInteger[] otherLimbs = FieldReference.Limbs(other);
        var forged = new ulong[otherLimbs.Length];
        for (int limb = 0; limb < otherLimbs.Length; limb++)
        {
            var points = new List<(BigInteger, BigInteger)> { (0, otherLimbs[limb]) };
            points.AddRange(held.Select(h => ((BigInteger)h.Index, (BigInteger)h.Values[limb])));
            forged[limb] = (ulong)FieldReference.Interpolate(points, freshIndex);
        }

        ShamirReconstruction result = ShamirSecretSharing.Reconstruct([.. held, new SecretShare(freshIndex, forged)], t, length);
        return result.Succeeded && result.Secret.SequenceEqual(other);
    }

    [Fact]
    public void Reconstruct_recovers_a_known_answer_sharing_built_independently()
    {
        // Secret "FedEdge!" (8 bytes → limbs 0x65676445646546 = "FedEdge" LE and 0x21 = "!"), t = 3, with the hand-chosen
        // polynomials f_0(x) = s_0 + 1234567x + 987654321x², f_1(x) = s_1 + 42x + 7x², evaluated at x = 2, 5, 9 in BigInteger.
        byte[] secret = "FedEdge!"u8.ToArray();
        BigInteger[] s = FieldReference.Limbs(secret);
        Assert.Equal(new BigInteger(0x65676445646546L), s[0]);
        Assert.Equal(new BigInteger(0x21), s[1]);
        SecretShare ShareAt(int x) => new(x, [
            (ulong)FieldReference.Mod(s[0] + (1234567 * (BigInteger)x) + (987654321 * (BigInteger)x * x)),
            (ulong)FieldReference.Mod(s[1] + (42 * (BigInteger)x) + (7 * (BigInteger)x * x)),
        ]);

        ShamirReconstruction result = ShamirSecretSharing.Reconstruct([ShareAt(9), ShareAt(2), ShareAt(5)], 3, secret.Length);

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(secret, result.Secret.ToArray());
    }

    [Fact]
    public void Split_produces_shares_whose_independent_interpolation_at_zero_is_the_secret()
    {
        byte[] secret = Secret(3, 32);
        SecretShare[] shares = Split(secret, 4, 7, 11);
        BigInteger[] limbs = FieldReference.Limbs(secret);
        for (int limb = 0; limb < limbs.Length; limb++)
        {
            var points = shares.Skip(3).Select(h => ((BigInteger)h.Index, (BigInteger)h.Values[limb])).ToList();
            Assert.Equal(limbs[limb], FieldReference.Interpolate(points, 0));
        }

        Assert.All(shares, share => Assert.Equal(5, share.Values.Length)); // 32 bytes → 5 limbs of 7 bytes
    }

    [Fact]
    public void Split_draws_fresh_coefficients_so_two_sharings_of_one_secret_differ()
    {
        byte[] secret = Secret(4, 32);
        Assert.NotEqual(Split(secret, 3, 5, 1)[0].Values.ToArray(), Split(secret, 3, 5, 2)[0].Values.ToArray());
    }

    [Fact]
    public void Below_the_threshold_nothing_is_released()
    {
        byte[] secret = Secret(5, 32);
        ShamirReconstruction result = ShamirSecretSharing.Reconstruct(Split(secret, 4, 6, 5)[..3], 4, 32);
        Assert.Equal(ShareRejection.BelowThreshold, result.Rejection);
        Assert.Throws<InvalidOperationException>(() => result.Secret.ToArray());
    }

    [Fact]
    public void A_duplicated_share_is_refused_not_counted_twice()
    {
        SecretShare[] shares = Split(Secret(6, 16), 3, 5, 6);
        ShamirReconstruction result = ShamirSecretSharing.Reconstruct([shares[0], shares[1], shares[1]], 3, 16);
        Assert.Equal(ShareRejection.DuplicateShare, result.Rejection);
    }

    [Fact]
    public void Two_different_shares_at_one_index_are_refused()
    {
        SecretShare[] shares = Split(Secret(7, 16), 2, 4, 7);
        var impostor = new SecretShare(shares[1].Index, shares[2].Values);
        Assert.Equal(ShareRejection.ConflictingShares, ShamirSecretSharing.Reconstruct([shares[0], shares[1], impostor], 2, 16).Rejection);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(ShamirSecretSharing.MaxShares + 1)]
    public void A_share_index_outside_one_to_max_is_refused(int index)
    {
        SecretShare[] shares = Split(Secret(8, 16), 2, 3, 8);
        var bad = new SecretShare(index, shares[0].Values);
        Assert.Equal(ShareRejection.IndexOutOfRange, ShamirSecretSharing.Reconstruct([bad, shares[1]], 2, 16).Rejection);
    }

    [Fact]
    public void A_value_outside_the_field_is_refused()
    {
        SecretShare[] shares = Split(Secret(9, 7), 2, 3, 9);
        var bad = new SecretShare(shares[0].Index, [MersenneField61.Modulus]);
        Assert.Equal(ShareRejection.ValueOutOfField, ShamirSecretSharing.Reconstruct([bad, shares[1]], 2, 7).Rejection);
    }

    [Fact]
    public void A_share_with_the_wrong_number_of_limbs_is_refused()
    {
        SecretShare[] shares = Split(Secret(10, 32), 2, 3, 10);
        var truncated = new SecretShare(shares[0].Index, shares[0].Values[..4]);
        Assert.Equal(ShareRejection.MalformedShare, ShamirSecretSharing.Reconstruct([truncated, shares[1]], 2, 32).Rejection);
    }

    [Fact]
    public void A_corrupt_share_beyond_the_threshold_is_detected()
    {
        SecretShare[] shares = Split(Secret(11, 32), 3, 5, 11);
        ulong[] tampered = shares[4].Values.ToArray();
        tampered[2] = MersenneField61.Add(tampered[2], 1);
        ShamirReconstruction result = ShamirSecretSharing.Reconstruct([shares[0], shares[1], shares[2], new SecretShare(5, tampered)], 3, 32);
        Assert.Equal(ShareRejection.InconsistentShares, result.Rejection);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(6, 5)]
    public void Split_rejects_a_threshold_outside_two_to_n(int t, int n)
    {
        using var rng = new SeededRandomNumberGenerator(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => ShamirSecretSharing.Split(new byte[8], t, n, rng));
    }
}
