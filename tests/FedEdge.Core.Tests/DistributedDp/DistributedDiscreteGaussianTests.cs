using FedEdge.Core.DistributedDp;
using FedEdge.Core.Privacy;
using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.Tests.DistributedDp;

public class DistributedDiscreteGaussianTests
{
    private static readonly byte[] RoundSeed = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7))];

    private static float[][] Updates(int count, int dimension, double norm, int seed)
    {
        var random = new Random(seed);
        var updates = new float[count][];
        for (int u = 0; u < count; u++)
        {
            double[] raw = [.. Enumerable.Range(0, dimension).Select(_ => random.NextDouble() - 0.3)];
            double scale = norm / Math.Sqrt(raw.Sum(v => v * v));
            updates[u] = [.. raw.Select(v => (float)(v * scale))];
        }

        return updates;
    }

    private static (float[] Decoded, double[] PlainSum) EncodeSumDecode(DistributedDiscreteGaussianParameters parameters, float[][] updates, int seed)
    {
        using var rng = new SeededRandomNumberGenerator(seed);
        var bits = new SecureRandomBits(rng);
        using var sampler = new DiscreteGaussianSampler(rng);
        using var encoder = new DistributedDiscreteGaussianEncoder(parameters);
        var sum = new ushort[parameters.PaddedDimension];
        var encoded = new ushort[parameters.PaddedDimension];
        var plain = new double[parameters.Dimension];
        foreach (float[] update in updates)
        {
            encoder.Encode(update, RoundSeed, bits, sampler, encoded);
            ModularVector.Accumulate(sum, encoded);
            double norm = Math.Sqrt(update.Sum(v => (double)v * v));
            double clip = Math.Min(1.0, parameters.ClipNorm / norm);
            for (int i = 0; i < plain.Length; i++)
            {
                plain[i] += update[i] * clip;
            }
        }

        ModularVector.Reduce(sum, parameters.Bits);
        using var decoder = new DistributedDiscreteGaussianDecoder(parameters);
        var decoded = new float[parameters.Dimension];
        decoder.Decode(sum, RoundSeed, decoded);
        return (decoded, plain);
    }

    [Fact]
    public void The_decoded_sum_is_the_clipped_sum_plus_noise_of_the_predicted_variance()
    {
        // 20 devices, d = 645 (mlp-14-32-5), c = 1, b = 16, z = 2, n_min = 20: the error per coordinate of the decoded sum is
        // noise γ²·20σ² plus rounding ≤ γ²·20/4 spread by the rotation. Over 645 coordinates the mean squared error must lie in
        // [0.85, 1.15] × γ²·(20σ² + 20·E[p(1−p)]) with E[p(1−p)] ∈ [0, 1/4] bracketing the rounding term, and the mean error
        // within 4 standard errors of 0 (unbiased).
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(645, 1.0, 16, 20, 20, 2.0);
        float[][] updates = Updates(20, 645, 1.5, seed: 1); // norms above c: every update is clipped
        (float[] decoded, double[] plain) = EncodeSumDecode(parameters, updates, seed: 2);

        double[] errors = [.. decoded.Select((v, i) => v - plain[i])];
        double mse = errors.Average(e => e * e);
        double gammaSquared = parameters.Gamma * parameters.Gamma;
        double noiseOnly = gammaSquared * 20 * parameters.LocalVariance;
        Assert.InRange(mse, 0.85 * noiseOnly, 1.15 * (noiseOnly + (gammaSquared * 20 / 4.0)));
        Assert.InRange(errors.Average(), -4 * Math.Sqrt(mse / errors.Length), 4 * Math.Sqrt(mse / errors.Length));
    }

    [Fact]
    public void Encoding_reports_clipping_and_a_rounding_that_met_the_bound_within_few_attempts()
    {
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(2410, 1.0, 16, 10, 10, 1.0);
        using var rng = new SeededRandomNumberGenerator(3);
        using var sampler = new DiscreteGaussianSampler(rng);
        using var encoder = new DistributedDiscreteGaussianEncoder(parameters);
        var destination = new ushort[parameters.PaddedDimension];
        EncodingOutcome outcome = encoder.Encode(Updates(1, 2410, 10.0, 4)[0], RoundSeed, new SecureRandomBits(rng), sampler, destination);

        Assert.True(outcome.Clipped);
        Assert.Equal(10.0, outcome.NormBeforeClipping, 1e-4);
        Assert.InRange(outcome.RoundingAttempts, 1, 20); // each attempt fails with probability ≤ β = e^(−1/2)
        Assert.True(ModularVector.AllBelowModulus(destination, 16));
    }

    [Fact]
    public void The_conditional_rounding_bound_matches_the_formula_of_Kairouz_Liu_Steinke()
    {
        // Δ₂ = min{s + √D, √(s² + D/4 + √(2 ln(1/β))(s + √D/2))}, evaluated by hand for s = 100, D = 1024, β = e^(−1/2):
        // √(2·½) = 1; second = √(10000 + 256 + 100 + 16) = √10372; first = 132.
        Assert.Equal(Math.Sqrt(10372.0), DistributedDiscreteGaussianParameters.RoundedNormBound(100, 1024, Math.Exp(-0.5)), 1e-9);
        Assert.Equal(132.0, DistributedDiscreteGaussianParameters.RoundedNormBound(100, 1024, 0.0), 1e-12);
    }

    [Fact]
    public void The_overflow_bound_is_the_stated_Hoeffding_union_bound()
    {
        // 2D·exp(−(2^(b−1) − n)²/(2V)), V = (n s)²/D + nσ², for s = 50, D = 1024, b = 12, n = 10, σ² = 400, by hand:
        // V = 250000/1024 + 4000 = 4244.140625; margin = 2038.
        double expected = 2048 * Math.Exp(-(2038.0 * 2038.0) / (2 * 4244.140625));
        Assert.Equal(expected, DistributedDiscreteGaussianParameters.OverflowBound(50, 1024, 12, 10, 400), expected * 1e-12);
    }

    [Fact]
    public void The_finest_gamma_meets_the_overflow_target_and_a_finer_grid_would_not()
    {
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(4837, 1.0, 16, 70, 100, 2.3);
        Assert.True(parameters.OverflowProbability <= DistributedDiscreteGaussianParameters.DefaultOverflowTarget);
        var finer = new DistributedDiscreteGaussianParameters(4837, 1.0, parameters.Gamma * 0.999, 16, parameters.Beta, 70, 100, 2.3);
        Assert.True(finer.OverflowProbability > DistributedDiscreteGaussianParameters.DefaultOverflowTarget);
    }

    [Fact]
    public void A_bit_width_too_small_for_the_group_is_refused_by_configuration()
    {
        // b = 8: 2^7 = 128 barely exceeds n = 100, no grid keeps 100 noisy sums inside.
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => DistributedDiscreteGaussianParameters.WithFinestGamma(645, 1.0, 8, 100, 100, 2.3));
        Assert.Equal("bits", error.ParamName);
    }

    [Fact]
    public void The_discrete_Gaussian_sampler_takes_the_per_device_variances_in_use_and_draws_them_at_the_right_spread()
    {
        // The calibrated σ² for d = 4837, b = 16, n = 100, z = 2.3 is ~1.4·10⁵ grid units², inside the sampler's range
        // (≤ 10¹²). At that σ the discrete Gaussian's variance equals σ² to within e^(−2π²σ²) (CKS20 §2), so 200,000
        // seeded draws must show a sample variance within 1.5 % (the standard error of a variance estimate is √(2/N) ≈ 0.32 %).
        var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(4837, 1.0, 16, 100, 100, 2.3);
        Assert.InRange(parameters.LocalVariance, 1e4, DiscreteGaussianSampler.MaxSigmaSquared);
        using var rng = new SeededRandomNumberGenerator(5);
        using var sampler = new DiscreteGaussianSampler(rng);
        var draws = new long[200_000];
        sampler.Fill(draws, parameters.LocalVariance);
        double mean = draws.Average(v => (double)v);
        double variance = draws.Average(v => ((double)v - mean) * ((double)v - mean));
        Assert.InRange(variance / parameters.LocalVariance, 0.985, 1.015);
    }
}
