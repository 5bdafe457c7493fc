using FedEdge.Core.Privacy;
using MathNet.Numerics.Distributions;

namespace FedEdge.Core.Tests.Privacy;

public class GaussianNoiseTests
{
    private const int Draws = 1_000_000;
    private const double Stddev = 2.5;

    private static float[] DrawFromASeededGenerator()
    {
        using var rng = new SeededRandomNumberGenerator(101);
        using var noise = new GaussianNoise(rng);
        var values = new float[Draws];
        noise.Fill(values, Stddev);
        return values;
    }

    [Fact]
    public void Fill_has_mean_zero_within_five_standard_errors()
    {
        // Standard error of the mean: s/√n.
        float[] values = DrawFromASeededGenerator();
        double mean = values.Average(v => (double)v);
        Assert.InRange(mean, -5 * Stddev / Math.Sqrt(Draws), 5 * Stddev / Math.Sqrt(Draws));
    }

    [Fact]
    public void Fill_has_the_requested_variance_within_five_standard_errors()
    {
        // For normal data the sample variance has standard error s²·√(2/(n − 1)).
        float[] values = DrawFromASeededGenerator();
        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (Draws - 1);
        double standardError = Stddev * Stddev * Math.Sqrt(2.0 / (Draws - 1));
        Assert.InRange(variance, (Stddev * Stddev) - (5 * standardError), (Stddev * Stddev) + (5 * standardError));
    }

    [Fact]
    public void Fill_passes_a_Kolmogorov_Smirnov_test_at_the_one_in_a_thousand_level()
    {
        // D_n = sup |F_n(x) − Φ(x/s)|, reference CDF from MathNet; asymptotic 0.1% critical value 1.95/√n.
        float[] values = DrawFromASeededGenerator();
        Array.Sort(values);
        double d = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double cdf = Normal.CDF(0, Stddev, values[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / Draws) - cdf, cdf - ((double)i / Draws)));
        }

        Assert.True(d < 1.95 / Math.Sqrt(Draws), $"KS statistic {d} ≥ critical value {1.95 / Math.Sqrt(Draws)}.");
    }

    [Fact]
    public void Fill_is_reproducible_for_the_same_injected_generator_seed()
    {
        using var rng1 = new SeededRandomNumberGenerator(42);
        using var rng2 = new SeededRandomNumberGenerator(42);
        using var first = new GaussianNoise(rng1);
        using var second = new GaussianNoise(rng2);
        var a = new float[5000];
        var b = new float[5000];
        first.Fill(a, 1.0);
        second.Fill(b, 1.0);
        Assert.Equal(a, b);
    }

    [Fact]
    public void AddNoise_adds_what_Fill_writes_for_the_same_random_bytes()
    {
        using var rng1 = new SeededRandomNumberGenerator(7);
        using var rng2 = new SeededRandomNumberGenerator(7);
        using var filler = new GaussianNoise(rng1);
        using var adder = new GaussianNoise(rng2);
        var noise = new float[3001];
        filler.Fill(noise, 0.5);
        var values = Enumerable.Repeat(10f, noise.Length).ToArray();
        adder.AddNoise(values, 0.5);
        for (int i = 0; i < values.Length; i++)
        {
            // float32 rounding of 10 + n versus rounding n first: within 2 ulps of 10.
            Assert.Equal(10f + noise[i], values[i], 2e-6f);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(2047)]
    [InlineData(2049)]
    [InlineData(4097)]
    public void Fill_writes_every_element_of_spans_that_do_not_fill_whole_chunks(int length)
    {
        using var rng = new SeededRandomNumberGenerator(102);
        using var noise = new GaussianNoise(rng);
        var values = Enumerable.Repeat(float.NaN, length).ToArray();
        noise.Fill(values, 1.0);
        Assert.All(values, v => Assert.True(float.IsFinite(v) && v != 0f));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(2410, false)]
    [InlineData(4097, false)]
    [InlineData(100_003, false)]
    [InlineData(2410, true)]
    [InlineData(100_003, true)]
    public void The_eight_wide_path_gives_bit_for_bit_the_values_of_the_scalar_loop(int length, bool add)
    {
        // Same seed, same bytes: the AVX2 loop (where the CPU has it) against the scalar loop, over lengths that end
        // inside a group of eight and inside a 4,096-word block, three fills in a row so that the wedge/tail draws'
        // 64-bit words (a separate buffer) must be taken in the same order for the later fills to agree too.
        using var rng1 = new SeededRandomNumberGenerator(200 + length);
        using var rng2 = new SeededRandomNumberGenerator(200 + length);
        using var vector = new GaussianNoise(rng1);
        using var scalar = new GaussianNoise(rng2) { VectorPath = false };
        var a = Enumerable.Range(0, length).Select(i => i * 0.01f).ToArray();
        var b = (float[])a.Clone();
        for (int fill = 0; fill < 3; fill++)
        {
            if (add)
            {
                vector.AddNoise(a, 1.7);
                scalar.AddNoise(b, 1.7);
            }
            else
            {
                vector.Fill(a, 1.7);
                scalar.Fill(b, 1.7);
            }

            for (int i = 0; i < length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]), $"fill {fill}, element {i}: {a[i]} vs {b[i]}");
            }
        }
    }

    [Fact]
    public void Fill_with_zero_stddev_writes_zeros()
    {
        using var rng = new SeededRandomNumberGenerator(103);
        using var noise = new GaussianNoise(rng);
        var values = Enumerable.Repeat(3f, 100).ToArray();
        noise.Fill(values, 0.0);
        Assert.All(values, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void AddNoise_rejects_a_negative_or_non_finite_stddev(double stddev)
    {
        using var rng = new SeededRandomNumberGenerator(104);
        using var noise = new GaussianNoise(rng);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => noise.AddNoise(new float[4], stddev));
        Assert.Equal("stddev", error.ParamName);
    }

    [Fact]
    public void Next_has_the_requested_variance_within_five_standard_errors()
    {
        using var rng = new SeededRandomNumberGenerator(105);
        using var noise = new GaussianNoise(rng);
        const int N = 200_000;
        double sumSquares = 0;
        for (int i = 0; i < N; i++)
        {
            double x = noise.Next(3.0);
            sumSquares += x * x;
        }

        double standardError = 9.0 * Math.Sqrt(2.0 / N);
        Assert.InRange(sumSquares / N, 9.0 - (5 * standardError), 9.0 + (5 * standardError));
    }
}
