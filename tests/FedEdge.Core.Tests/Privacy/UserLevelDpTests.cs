using FedEdge.Core.Parameters;
using FedEdge.Core.Privacy;

namespace FedEdge.Core.Tests.Privacy;

public class UserLevelDpTests
{
    private static ParameterSet Update(params float[] values) =>
        new(new ParameterLayout([new TensorSpec("w", values.Length)]), values);

    [Fact]
    public void Privatize_clips_a_long_update_to_the_bound_and_reports_it_was_outside()
    {
        using var rng = new SeededRandomNumberGenerator(106);
        using var noise = new GaussianNoise(rng);
        var dp = new UserLevelDp(0.0, noise);
        var update = Update(6, 8, 0);
        ClippingOutcome outcome = dp.Privatize(update, 2.0);
        Assert.True(update.L2Norm() <= 2.0 * (1 + 1e-6), $"norm {update.L2Norm()} > 2");
        Assert.Equal(10.0, outcome.NormBeforeClipping, 1e-6);
        Assert.False(outcome.WithinBound);
    }

    [Fact]
    public void Privatize_leaves_a_short_update_unscaled_and_reports_it_was_within()
    {
        using var rng = new SeededRandomNumberGenerator(107);
        using var noise = new GaussianNoise(rng);
        var dp = new UserLevelDp(0.0, noise);
        var update = Update(0.3f, 0.4f);
        ClippingOutcome outcome = dp.Privatize(update, 2.0);
        Assert.Equal(new[] { 0.3f, 0.4f }, update.Buffer);
        Assert.True(outcome.WithinBound);
    }

    [Fact]
    public void Privatize_adds_noise_with_stddev_z_times_S_within_five_standard_errors()
    {
        // A zero update stays zero after clipping, so what remains is the noise: stddev z·S = 1.5·0.8 = 1.2.
        // Standard error of the sample stddev ≈ s/√(2n).
        const int N = 400_000;
        using var rng = new SeededRandomNumberGenerator(108);
        using var noise = new GaussianNoise(rng);
        var dp = new UserLevelDp(1.5, noise);
        var update = Update(new float[N]);
        dp.Privatize(update, 0.8);
        double stddev = Math.Sqrt(update.Buffer.Sum(v => (double)v * v) / N);
        double standardError = 1.2 / Math.Sqrt(2.0 * N);
        Assert.InRange(stddev, 1.2 - (5 * standardError), 1.2 + (5 * standardError));
    }

    [Fact]
    public void Privatize_rejects_an_update_holding_NaN()
    {
        using var rng = new SeededRandomNumberGenerator(109);
        using var noise = new GaussianNoise(rng);
        var dp = new UserLevelDp(1.0, noise);
        Assert.Throws<ArgumentException>(() => dp.Privatize(Update(1, float.NaN), 1.0));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void Privatize_rejects_a_non_positive_or_infinite_clip_norm(double clipNorm)
    {
        using var rng = new SeededRandomNumberGenerator(110);
        using var noise = new GaussianNoise(rng);
        var dp = new UserLevelDp(1.0, noise);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => dp.Privatize(Update(1, 2), clipNorm));
        Assert.Equal("clipNorm", error.ParamName);
    }
}
