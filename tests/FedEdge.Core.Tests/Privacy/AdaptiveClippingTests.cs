using FedEdge.Core.Privacy;

namespace FedEdge.Core.Tests.Privacy;

public class AdaptiveClippingTests
{
    /// <summary>Log-normal update norms, log ‖Δ‖ ~ N(0, 1): the γ-quantile is exp(Φ⁻¹(γ)).</summary>
    private static double SyntheticNorm(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Exp(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    private static double FractionWithin(double clipNorm, int seed)
    {
        var random = new Random(seed);
        int within = 0;
        const int N = 100_000;
        for (int i = 0; i < N; i++)
        {
            within += SyntheticNorm(random) <= clipNorm ? 1 : 0;
        }

        return (double)within / N;
    }

    [Theory]
    [InlineData(0.5, 0.05)]
    [InlineData(0.9, 0.05)]
    [InlineData(0.5, 20.0)]
    public void Update_moves_the_clip_norm_to_the_target_quantile_of_synthetic_norms(double quantile, double initial)
    {
        // Paper settings (Andrew et al. 2021): η_C = 0.2, σ_b = m/20 with m = 200 clients per round; 300 rounds.
        // Pass: the fraction of fresh norms within the final S is within ±0.06 of γ (bit noise + count noise give
        // a stationary spread of a few hundredths; tolerance stated here).
        var random = new Random(1234);
        using var rng = new SeededRandomNumberGenerator(99);
        using var noise = new GaussianNoise(rng);
        const int Clients = 200;
        var clipping = new AdaptiveClipping(initial, quantile, 0.2, Clients / 20.0);
        var bits = new bool[Clients];
        for (int round = 0; round < 300; round++)
        {
            for (int i = 0; i < Clients; i++)
            {
                bits[i] = SyntheticNorm(random) <= clipping.ClipNorm;
            }

            clipping.Update(bits, noise);
        }

        Assert.InRange(FractionWithin(clipping.ClipNorm, 5678), quantile - 0.06, quantile + 0.06);
    }

    [Fact]
    public void Update_applies_the_geometric_rule_exactly_without_count_noise()
    {
        // S ← S·exp(−η(b̃ − γ)); 3 of 4 within, γ = 0.5, η = 0.2: S·exp(−0.05).
        using var rng = new SeededRandomNumberGenerator(112);
        using var noise = new GaussianNoise(rng);
        var clipping = new AdaptiveClipping(2.0, 0.5, 0.2, 0.0);
        double next = clipping.Update([true, true, true, false], noise);
        Assert.Equal(2.0 * Math.Exp(-0.05), next, 1e-15);
    }

    [Fact]
    public void Update_rejects_an_empty_round()
    {
        using var rng = new SeededRandomNumberGenerator(113);
        using var noise = new GaussianNoise(rng);
        var clipping = new AdaptiveClipping(1.0, 0.5, 0.2, 1.0);
        Assert.Throws<ArgumentException>(() => clipping.Update([], noise));
    }

    [Fact]
    public void The_constructor_rejects_a_target_quantile_outside_the_unit_interval()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveClipping(1.0, 1.5, 0.2, 1.0));
        Assert.Equal("targetQuantile", error.ParamName);
    }
}
