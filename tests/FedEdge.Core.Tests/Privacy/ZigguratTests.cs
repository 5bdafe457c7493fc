using FedEdge.Core.Privacy;
using MathNet.Numerics.Distributions;

namespace FedEdge.Core.Tests.Privacy;

/// <summary>
/// The ziggurat's tables and its three acceptance paths (rectangle, wedge, tail). A KS test over
/// all draws (GaussianNoiseTests) is dominated by the body; these check the rarely taken paths
/// by the frequency of the regions they produce.
/// </summary>
public class ZigguratTests
{
    [Fact]
    public void Every_layer_boundary_is_finite_and_strictly_decreasing_to_zero()
    {
        var x = ZigguratTables.X;
        Assert.Equal(ZigguratTables.Layers + 1, x.Length);
        for (int i = 0; i < ZigguratTables.Layers; i++)
        {
            Assert.True(double.IsFinite(x[i]) && x[i] > x[i + 1], $"x[{i}] = {x[i]}, x[{i + 1}] = {x[i + 1]}");
        }

        Assert.Equal(0.0, x[ZigguratTables.Layers]);
        Assert.Equal(ZigguratTables.R, x[1]);
    }

    [Fact]
    public void Every_layer_has_the_same_area_as_the_base_layer()
    {
        // layer i ≥ 1 spans f(x[i]) .. f(x[i+1]) in height and x[i] in width; the base layer's area is
        // r·f(r) + ∫_r^∞ f = x[0]·f(r). Reference tail integral from MathNet: √(2π)·(1 − Φ(r)). Tolerance 1e-9 relative.
        var x = ZigguratTables.X;
        static double F(double v) => Math.Exp(-0.5 * v * v);
        double baseArea = (ZigguratTables.R * F(ZigguratTables.R)) + (Math.Sqrt(2 * Math.PI) * (1 - Normal.CDF(0, 1, ZigguratTables.R)));
        Assert.Equal(baseArea, x[0] * F(ZigguratTables.R), baseArea * 1e-9);
        for (int i = 1; i < ZigguratTables.Layers - 1; i++)
        {
            double area = x[i] * (F(x[i + 1]) - F(x[i]));
            Assert.True(Math.Abs(area - baseArea) <= baseArea * 1e-6, $"layer {i}: area {area} vs {baseArea}");
        }
    }

    [Fact]
    public void The_layer_heights_are_the_density_at_every_boundary()
    {
        // the wedge test's table: f(x[i]) = exp(−x[i]²/2), f(x[256]) = f(0) = 1; the top layer's height band ends at 1
        var x = ZigguratTables.X;
        var density = ZigguratTables.Density;
        Assert.Equal(x.Length, density.Length);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(Math.Exp(-0.5 * x[i] * x[i]), density[i]);
        }

        Assert.Equal(1.0, density[ZigguratTables.Layers]);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 2.0)]
    [InlineData(2.5, 3.4426)]
    [InlineData(3.4426, 4.5)]
    [InlineData(3.4426, 3.6542)] // r of the 256-layer tables is 3.6542: the wedges of the lowest layers, then the exact tail
    [InlineData(3.6542, 4.5)]
    [InlineData(4.5, double.PositiveInfinity)]
    public void The_share_of_draws_in_a_band_of_absolute_values_matches_the_normal_distribution(double low, double high)
    {
        // 2·10⁶ draws; the count in the band is Binomial(n, p) with p = 2(Φ(high) − Φ(low)); bound 5 standard errors + 1.
        const int n = 2_000_000;
        using var rng = new SeededRandomNumberGenerator(111);
        using var noise = new GaussianNoise(rng);
        var values = new float[n];
        noise.Fill(values, 1.0);
        int count = values.Count(v => Math.Abs(v) >= low && Math.Abs(v) < high);
        double p = 2 * (Normal.CDF(0, 1, high) - Normal.CDF(0, 1, low));
        double expected = n * p;
        double bound = (5 * Math.Sqrt(n * p * (1 - p))) + 1;
        Assert.True(Math.Abs(count - expected) <= bound, $"[{low}, {high}): {count} draws, expected {expected:F1} ± {bound:F1}");
    }

    [Fact]
    public void The_integer_fast_path_decides_and_scales_exactly_as_the_double_formula_at_every_layer()
    {
        // The float32 path's uniform is u = ((2k + 1)·2⁻²⁴) − 1 for the 24-bit k of a word, accepted when
        // |u| < ratio[i] with value u·x[i] (the double formula). It tests |s| < Thresholds24[i] for
        // s = 2k + 1 − 2²⁴ and returns s·XOver24[i]; both must agree bit for bit with the double formula, at
        // the s on both sides of every threshold, at the extremes, and at a spread of values between.
        var ratio = ZigguratTables.Ratio;
        var x = ZigguratTables.X;
        for (int layer = 0; layer < ZigguratTables.Layers; layer++)
        {
            int threshold = ZigguratTables.Thresholds24[layer];
            var candidates = new List<int> { 1, (1 << 24) - 1 };
            for (int d = -4; d <= 4; d++)
            {
                candidates.Add(threshold + d);
            }

            for (int k = 1; k < 64; k++)
            {
                candidates.Add((int)((long)k * (1 << 24) / 64));
            }

            foreach (int candidate in candidates)
            {
                int magnitude = candidate | 1; // odd, as every draw is
                if (magnitude <= 0 || magnitude >= 1 << 24)
                {
                    continue;
                }

                foreach (int s in new[] { magnitude, -magnitude })
                {
                    uint k = (uint)(s + (1 << 24) - 1) / 2;
                    double u = ((((k * 2.0) + 1.0)) * (1.0 / (1 << 24))) - 1.0;
                    Assert.Equal(Math.Abs(u) < ratio[layer], Math.Abs(s) < threshold);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(u * x[layer]), BitConverter.DoubleToInt64Bits(s * ZigguratTables.XOver24[layer]));
                }
            }
        }
    }
}
