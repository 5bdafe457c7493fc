using FedEdge.Core.SecretSharing;
using FedEdge.Core.SecureAggregation;
using FsCheck.Xunit;
using MathNet.Numerics.Distributions;

namespace FedEdge.Core.Tests.SecureAggregation;

public class SecAggMaskingTests
{
    [Property(MaxTest = 30)]
    public bool The_unmasked_sum_equals_the_plain_sum_of_the_quantized_vectors_exactly(int seed, byte a, byte b, byte c)
    {
        int n = 3 + (a % 18);
        int bits = 1 + (b % 16);
        int degree = Math.Min(n - 1, 2 * (1 + (c % 4)));
        var group = new SecAggGroupFixture(n, degree, bits, dimension: 300, seed);
        using var expander = new MaskExpander();
        int[] everyone = [.. Enumerable.Range(0, n)];
        var sum = new ushort[300];
        UnmaskingResult result = group.Unmask(expander, everyone, n, sum);
        return result.Succeeded && sum.SequenceEqual(group.PlainSum(everyone));
    }

    [Fact]
    public void Thirty_percent_of_a_group_dropping_after_masking_still_yields_the_exact_sum_of_the_survivors()
    {
        // n = 30, k = 10 (SecAgg+ neighbourhoods), 9 devices (30 %) never deliver y_u. The survivors' self-mask seeds are
        // recovered from Shamir shares held by their neighbours (t = 5 of 10), as the aggregator would.
        var group = new SecAggGroupFixture(30, 10, bits: 16, dimension: 4837, seed: 30);
        int[] dropped = [1, 4, 7, 11, 15, 18, 22, 26, 29];
        int[] survivors = [.. Enumerable.Range(0, 30).Except(dropped)];
        const int T = 5;
        using var rng = new SeededRandomNumberGenerator(31);

        foreach (int u in survivors)
        {
            SecretShare[] shares = ShamirSecretSharing.Split(group.SelfSeeds[u], T, group.Graph.Degree, rng);
            // Share j went to the j-th neighbour; only surviving neighbours answer in the unmasking round.
            ReadOnlySpan<int> neighbours = group.Graph.Neighbours(u);
            var answered = new List<SecretShare>();
            for (int j = 0; j < neighbours.Length; j++)
            {
                if (survivors.Contains(neighbours[j]))
                {
                    answered.Add(shares[j]);
                }
            }

            ShamirReconstruction recovered = ShamirSecretSharing.Reconstruct(answered, T, 32);
            Assert.True(recovered.Succeeded, recovered.Detail);
            Assert.Equal(group.SelfSeeds[u], recovered.Secret.ToArray());
        }

        using var expander = new MaskExpander();
        var sum = new ushort[4837];
        UnmaskingResult result = group.Unmask(expander, survivors, minimumSurvivors: 15, sum);

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(group.PlainSum(survivors), sum);
    }

    [Fact]
    public void Below_the_minimum_number_of_survivors_nothing_is_released()
    {
        var group = new SecAggGroupFixture(10, 4, bits: 12, dimension: 64, seed: 3);
        using var expander = new MaskExpander();
        var sum = new ushort[64];
        sum.AsSpan().Fill(0xABCD);
        UnmaskingResult result = group.Unmask(expander, [0, 1, 2, 3, 4, 5], minimumSurvivors: 7, sum);

        Assert.Equal(UnmaskingRejection.BelowThreshold, result.Rejection);
        Assert.All(sum, value => Assert.Equal(0, value));
    }

    [Fact]
    public void A_self_mask_seed_held_for_a_dropped_device_is_refused()
    {
        // Holding b_u and the pairwise seeds of the same dropped u would unmask its late y_u (Bonawitz et al. 2017, §4).
        var group = new SecAggGroupFixture(6, 5, bits: 8, dimension: 16, seed: 4);
        using var expander = new MaskExpander();
        var selfSeeds = Enumerable.Range(0, 6).ToDictionary(u => u, u => (ReadOnlyMemory<byte>)group.SelfSeeds[u]);
        var sum = new ushort[16];
        UnmaskingResult result = SecAggUnmasking.Unmask(expander, new ushort[16], 8, group.Graph, [0, 1, 2, 3, 4], 3, selfSeeds, [], sum);
        Assert.Equal(UnmaskingRejection.ConflictingSecrets, result.Rejection);
    }

    [Fact]
    public void A_missing_pairwise_seed_of_a_dropped_neighbour_is_refused()
    {
        var group = new SecAggGroupFixture(6, 5, bits: 8, dimension: 16, seed: 5);
        using var expander = new MaskExpander();
        var selfSeeds = Enumerable.Range(0, 5).ToDictionary(u => u, u => (ReadOnlyMemory<byte>)group.SelfSeeds[u]);
        var sum = new ushort[16];
        UnmaskingResult result = SecAggUnmasking.Unmask(expander, new ushort[16], 8, group.Graph, [0, 1, 2, 3, 4], 3, selfSeeds, [], sum);
        Assert.Equal(UnmaskingRejection.MissingPairwiseSeed, result.Rejection);
    }

    [Fact]
    public void A_device_excluded_before_masking_needs_no_seed_and_may_neither_survive_nor_have_pair_seeds()
    {
        // Device 0 sent no shares, so its neighbours masked without it; device 1 then dropped after masking.
        var group = new SecAggGroupFixture(8, 4, bits: 12, dimension: 32, seed: 7);
        using var expander = new MaskExpander();
        int[] survivors = [2, 3, 4, 5, 6, 7];
        var maskedSum = new ushort[32];
        foreach (int u in survivors)
        {
            var pairs = new List<PairwiseSeed>();
            foreach (int v in group.Graph.Neighbours(u))
            {
                if (v != 0)
                {
                    pairs.Add(new PairwiseSeed(v, group.PairSeed(u, v)));
                }
            }

            var masked = new ushort[32];
            PairwiseMasking.Mask(expander, group.Inputs[u], 12, u, group.SelfSeeds[u], pairs, masked);
            ModularVector.Accumulate(maskedSum, masked);
        }

        var selfSeeds = survivors.ToDictionary(u => u, u => (ReadOnlyMemory<byte>)group.SelfSeeds[u]);
        DroppedPairSeed[] dropped = [.. group.Graph.Neighbours(1).ToArray().Where(v => v != 0).Select(v => new DroppedPairSeed(1, v, group.PairSeed(1, v)))];
        var sum = new ushort[32];

        UnmaskingResult result = SecAggUnmasking.Unmask(expander, maskedSum, 12, group.Graph, survivors, 6, selfSeeds, dropped, sum, excluded: [0]);

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(group.PlainSum(survivors), sum);
        Assert.Equal(
            UnmaskingRejection.ConflictingSecrets,
            SecAggUnmasking.Unmask(expander, maskedSum, 12, group.Graph, survivors, 6, selfSeeds, dropped, sum, excluded: [0, 2]).Rejection);
        DroppedPairSeed[] withExcluded = [.. dropped, .. group.Graph.Neighbours(0).ToArray().Where(survivors.Contains).Select(v => new DroppedPairSeed(0, v, group.PairSeed(0, v)))];
        Assert.Equal(
            UnmaskingRejection.UnknownDevice,
            SecAggUnmasking.Unmask(expander, maskedSum, 12, group.Graph, survivors, 6, selfSeeds, withExcluded, sum, excluded: [0]).Rejection);
    }

    [Fact]
    public void A_missing_self_mask_seed_of_a_survivor_is_refused()
    {
        var group = new SecAggGroupFixture(4, 3, bits: 8, dimension: 16, seed: 6);
        using var expander = new MaskExpander();
        var selfSeeds = Enumerable.Range(0, 3).ToDictionary(u => u, u => (ReadOnlyMemory<byte>)group.SelfSeeds[u]);
        var sum = new ushort[16];
        UnmaskingResult result = SecAggUnmasking.Unmask(expander, new ushort[16], 8, group.Graph, [0, 1, 2, 3], 2, selfSeeds, [], sum);
        Assert.Equal(UnmaskingRejection.MissingSelfMaskSeed, result.Rejection);
    }

    [Theory]
    [InlineData(8, 0)]
    [InlineData(16, 8)]
    public void The_masked_vector_an_aggregator_stores_is_uniform_mod_2_to_the_b_by_a_chi_square_test(int bits, int shift)
    {
        // The most skewed input there is (all zeros), masked by one device with 4 neighbours; 65,536 coordinates in 256 bins
        // (the value itself for b = 8, its top 8 bits for b = 16). Under uniformity χ² ~ χ²(255); reject at p < 0.001, whose
        // critical value is MathNet's inverse CDF. A seeded generator keeps the verdict reproducible.
        const int Dimension = 1 << 16;
        var group = new SecAggGroupFixture(9, 4, bits, Dimension, seed: 40 + bits);
        Array.Clear(group.Inputs[2]);
        using var expander = new MaskExpander();
        ushort[] stored = group.Masked(expander, 2);

        var counts = new long[256];
        foreach (ushort value in stored)
        {
            counts[value >> shift]++;
        }

        double expected = Dimension / 256.0;
        double chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        double critical = ChiSquared.InvCDF(255, 0.999);
        Assert.True(chiSquare < critical, $"χ² = {chiSquare:F1} ≥ {critical:F1} (p < 0.001): the stored vector is not uniform.");
    }

    [Fact]
    public void Masking_rejects_an_input_value_at_or_above_the_modulus()
    {
        var group = new SecAggGroupFixture(3, 2, bits: 4, dimension: 2, seed: 7);
        using var expander = new MaskExpander();
        Assert.Throws<ArgumentException>(
            () => PairwiseMasking.Mask(expander, [3, 16], 4, 0, group.SelfSeeds[0], [], new ushort[2]));
    }

    [Fact]
    public void Masking_rejects_a_neighbour_listed_twice()
    {
        var group = new SecAggGroupFixture(3, 2, bits: 4, dimension: 2, seed: 8);
        using var expander = new MaskExpander();
        PairwiseSeed twice = new(1, group.PairSeed(0, 1));
        Assert.Throws<ArgumentException>(
            () => PairwiseMasking.Mask(expander, [3, 4], 4, 0, group.SelfSeeds[0], [twice, twice], new ushort[2]));
    }
}
