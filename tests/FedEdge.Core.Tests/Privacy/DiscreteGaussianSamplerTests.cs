using FedEdge.Core.Privacy;

namespace FedEdge.Core.Tests.Privacy;

public class DiscreteGaussianSamplerTests
{
    private const int Draws = 1_000_000;

    /// <summary>Exact normalised pmf of N_Z(0, σ²) on [−range, range] (the mass outside is below e^{−range²/(2σ²)}).</summary>
    private static Dictionary<long, double> ExactPmf(double sigmaSquared, long range)
    {
        var weights = new Dictionary<long, double>();
        double total = 0;
        for (long x = -range; x <= range; x++)
        {
            double w = Math.Exp(-(double)x * x / (2 * sigmaSquared));
            weights[x] = w;
            total += w;
        }

        foreach (long x in weights.Keys.ToArray())
        {
            weights[x] /= total;
        }

        return weights;
    }

    private static long[] Draw(double sigmaSquared)
    {
        using var rng = new SeededRandomNumberGenerator(114);
        using var sampler = new DiscreteGaussianSampler(rng);
        var values = new long[Draws];
        sampler.Fill(values, sigmaSquared);
        return values;
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(4.0)]
    [InlineData(90.25)]
    public void Fill_matches_the_exact_pmf_by_a_chi_square_test_at_the_one_in_a_thousand_level(double sigmaSquared)
    {
        // Bins: every integer whose expected count is ≥ 20, plus the two tails lumped. Critical value of χ²_df at
        // 0.1% by the Wilson–Hilferty approximation df·(1 − 2/(9df) + 3.0902·√(2/(9df)))³.
        long range = (long)Math.Ceiling(40 * Math.Sqrt(sigmaSquared)) + 10;
        Dictionary<long, double> pmf = ExactPmf(sigmaSquared, range);
        long[] values = Draw(sigmaSquared);
        var counts = new Dictionary<long, long>();
        foreach (long v in values)
        {
            counts[v] = counts.GetValueOrDefault(v) + 1;
        }

        long[] binned = pmf.Keys.Where(x => pmf[x] * Draws >= 20).Order().ToArray();
        long lo = binned[0];
        long hi = binned[^1];
        double chiSquare = 0;
        foreach (long x in binned)
        {
            double expected = pmf[x] * Draws;
            double observed = counts.GetValueOrDefault(x);
            chiSquare += (observed - expected) * (observed - expected) / expected;
        }

        double lowTailExpected = pmf.Where(p => p.Key < lo).Sum(p => p.Value) * Draws;
        double highTailExpected = pmf.Where(p => p.Key > hi).Sum(p => p.Value) * Draws;
        double lowTailObserved = counts.Where(c => c.Key < lo).Sum(c => c.Value);
        double highTailObserved = counts.Where(c => c.Key > hi).Sum(c => c.Value);
        chiSquare += Math.Pow(lowTailObserved - lowTailExpected, 2) / lowTailExpected;
        chiSquare += Math.Pow(highTailObserved - highTailExpected, 2) / highTailExpected;

        int df = binned.Length + 2 - 1;
        double h = 2.0 / (9 * df);
        double critical = df * Math.Pow(1 - h + (3.0902 * Math.Sqrt(h)), 3);
        Assert.True(chiSquare < critical, $"χ² = {chiSquare:F1} ≥ {critical:F1} (df = {df}).");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(4.0)]
    [InlineData(90.25)]
    public void Fill_has_the_exact_variance_within_five_standard_errors(double sigmaSquared)
    {
        // The discrete Gaussian's variance is slightly below σ² for small σ; compare with Σ x² p(x).
        // Standard error of the mean of x² is √((E x⁴ − (E x²)²)/n).
        long range = (long)Math.Ceiling(40 * Math.Sqrt(sigmaSquared)) + 10;
        Dictionary<long, double> pmf = ExactPmf(sigmaSquared, range);
        double variance = pmf.Sum(p => (double)p.Key * p.Key * p.Value);
        double fourth = pmf.Sum(p => Math.Pow(p.Key, 4) * p.Value);
        double standardError = Math.Sqrt((fourth - (variance * variance)) / Draws);

        long[] values = Draw(sigmaSquared);
        double meanSquare = values.Average(v => (double)v * v);
        Assert.InRange(meanSquare, variance - (5 * standardError), variance + (5 * standardError));
    }

    [Fact]
    public void Fill_of_ints_is_reproducible_for_the_same_injected_generator_seed()
    {
        using var rng1 = new SeededRandomNumberGenerator(3);
        using var rng2 = new SeededRandomNumberGenerator(3);
        using var first = new DiscreteGaussianSampler(rng1);
        using var second = new DiscreteGaussianSampler(rng2);
        var a = new int[1000];
        var b = new int[1000];
        first.Fill(a, 16.0);
        second.Fill(b, 16.0);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.0)]
    [InlineData(double.NaN)]
    [InlineData(1e13)]
    public void Next_rejects_sigma_squared_outside_the_supported_range(double sigmaSquared)
    {
        using var rng = new SeededRandomNumberGenerator(115);
        using var sampler = new DiscreteGaussianSampler(rng);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Next(sigmaSquared));
        Assert.Equal("sigmaSquared", error.ParamName);
    }
}
