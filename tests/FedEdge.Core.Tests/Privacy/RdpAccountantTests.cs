using FedEdge.Core.Privacy;

namespace FedEdge.Core.Tests.Privacy;

public class RdpAccountantTests
{
    // TF-Privacy's compute_dp_sgd_privacy grid (tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy.py).
    private static readonly double[] TfPrivacyGrid = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, .. Enumerable.Range(5, 59).Select(i => (double)i), 128, 256, 512];

    public static TheoryData<double, double, int> IntegerCases()
    {
        var data = new TheoryData<double, double, int>();
        foreach (double q in new[] { 0.01, 0.1, 0.5, 0.9 })
        {
            foreach (double sigma in new[] { 0.7, 1.1, 2.0, 4.0 })
            {
                foreach (int alpha in new[] { 2, 3, 5, 8, 16, 32, 64 })
                {
                    if ((double)alpha * (alpha - 1) / (2 * sigma * sigma) < 600)
                    {
                        data.Add(q, sigma, alpha);
                    }
                }
            }
        }

        return data;
    }

    public static TheoryData<double, double, double> FractionalCases()
    {
        var data = new TheoryData<double, double, double>();
        foreach (double q in new[] { 0.01, 0.1, 0.5, 0.9 })
        {
            foreach (double sigma in new[] { 0.8, 1.1, 2.0, 5.0, 20.0 })
            {
                foreach (double alpha in new[] { 1.25, 1.5, 2.5, 3.75, 10.5 })
                {
                    data.Add(q, sigma, alpha);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IntegerCases))]
    public void SingleStepRdp_matches_the_plain_binomial_sum_at_integer_orders(double q, double sigma, int alpha)
    {
        // Reference: float64 sum without log space (ReferenceRdp). Tolerance: 1e-6 relative.
        double expected = ReferenceRdp.IntegerOrderBySum(q, sigma, alpha);
        double actual = RdpAccountant.SingleStepRdp(q, sigma, alpha);
        Assert.InRange(actual, expected * (1 - 1e-6), expected * (1 + 1e-6));
    }

    [Theory]
    [MemberData(nameof(IntegerCases))]
    public void SingleStepRdp_matches_numerical_integration_at_integer_orders(double q, double sigma, int alpha)
    {
        // Reference: Simpson integration of E_{μ0}[(μ/μ0)^α]. Tolerance: 1e-6 relative.
        double expected = ReferenceRdp.ByIntegration(q, sigma, alpha);
        double actual = RdpAccountant.SingleStepRdp(q, sigma, alpha);
        Assert.InRange(actual, expected * (1 - 1e-6), expected * (1 + 1e-6));
    }

    [Theory]
    [MemberData(nameof(FractionalCases))]
    public void SingleStepRdp_matches_numerical_integration_at_fractional_orders(double q, double sigma, double alpha)
    {
        // Reference: Simpson integration of E_{μ0}[(μ/μ0)^α]. Tolerance: 1e-6 relative.
        double expected = ReferenceRdp.ByIntegration(q, sigma, alpha);
        double actual = RdpAccountant.SingleStepRdp(q, sigma, alpha);
        Assert.InRange(actual, expected * (1 - 1e-6), expected * (1 + 1e-6));
    }

    [Theory]
    [InlineData(0.01, 1.1, 8)]
    [InlineData(0.3, 0.9, 5)]
    [InlineData(0.5, 3.0, 20)]
    public void The_fractional_series_reproduces_the_integer_formula_at_integer_orders(double q, double sigma, int alpha)
    {
        // MTZ19 Sec. 3.3's two series hold for every real α; at integer α they must give the same A_α. 1e-9 relative.
        double integer = SampledGaussianRdp.LogAIntegerOrder(q, sigma, alpha);
        double fractional = SampledGaussianRdp.LogAFractionalOrder(q, sigma, alpha);
        Assert.Equal(integer, fractional, integer * 1e-9);
    }

    [Fact]
    public void SingleStepRdp_is_zero_when_nothing_is_sampled()
    {
        Assert.Equal(0.0, RdpAccountant.SingleStepRdp(0.0, 1.0, 2.5));
    }

    [Fact]
    public void SingleStepRdp_is_the_plain_Gaussian_curve_when_every_record_is_sampled()
    {
        // q = 1: RDP_α = α/(2σ²) (Mironov 2017, Prop. 7).
        Assert.Equal(3.5 / (2 * 1.3 * 1.3), RdpAccountant.SingleStepRdp(1.0, 1.3, 3.5), 1e-15);
    }

    [Fact]
    public void GetPrivacySpent_reproduces_the_TF_Privacy_MNIST_figure_with_the_classic_conversion()
    {
        // Published: compute_dp_sgd_privacy --N=60000 --batch_size=256 --noise_multiplier=1.12 --epochs=60 --delta=1e-5
        // "satisfies (2.92, 1e-5)-DP" (docstring of tensorflow_privacy/.../compute_dp_sgd_privacy.py). That script uses
        // steps = ceil(60·60000/256) = 14063, its own order grid (TfPrivacyGrid) and the classic conversion, and
        // prints ε with 3 significant digits: tolerance ±0.005.
        var accountant = new RdpAccountant(TfPrivacyGrid);
        var spent = accountant.GetPrivacySpent(new SubsampledGaussian(256.0 / 60000, 1.12, 14063), 1e-5, ConversionMethod.Classic);
        Assert.InRange(spent.Epsilon, 2.915, 2.925);
    }

    [Fact]
    public void GetPrivacySpent_reproduces_the_Opacus_MNIST_figure_on_its_three_orders()
    {
        // Published: Opacus scripts/compute_dp_sgd_privacy.py docstring, --dataset-size=60000 --batch-size=256
        // --noise_multiplier=1.12 --epochs=60 --delta=1e-5 --a 10 20 100 gives (2.95, 1e-5), classic conversion.
        // That script counts steps = epochs·ceil(N/batch) = 60·235 = 14100. Printed with 2 decimals: tolerance ±0.005.
        var accountant = new RdpAccountant([10, 20, 100]);
        var spent = accountant.GetPrivacySpent(new SubsampledGaussian(256.0 / 60000, 1.12, 14100), 1e-5, ConversionMethod.Classic);
        Assert.InRange(spent.Epsilon, 2.945, 2.955);
    }

    [Fact]
    public void Composition_of_heterogeneous_mechanisms_adds_their_RDP_curves()
    {
        var accountant = new RdpAccountant();
        var first = new SubsampledGaussian(0.01, 1.0, 100);
        var second = new SubsampledGaussian(0.05, 2.0, 30);
        double[] both = accountant.ComputeRdp([first, second]);
        double[] a = accountant.ComputeRdp(first);
        double[] b = accountant.ComputeRdp(second);
        for (int i = 0; i < both.Length; i++)
        {
            Assert.Equal(a[i] + b[i], both[i], 1e-12 * both[i]);
        }
    }

    [Fact]
    public void Composition_over_steps_scales_the_single_step_curve()
    {
        var accountant = new RdpAccountant([2.5, 7]);
        double[] rdp = accountant.ComputeRdp(new SubsampledGaussian(0.02, 1.5, 250));
        Assert.Equal(250 * RdpAccountant.SingleStepRdp(0.02, 1.5, 2.5), rdp[0], 1e-12 * rdp[0]);
        Assert.Equal(250 * RdpAccountant.SingleStepRdp(0.02, 1.5, 7), rdp[1], 1e-12 * rdp[1]);
    }

    [Fact]
    public void Convert_applies_the_tight_formula_of_Canonne_Kamath_Steinke_at_a_single_order()
    {
        // ε = rdp + log((α−1)/α) − (log δ + log α)/(α−1), evaluated by hand for α = 4, rdp = 0.7, δ = 1e-6.
        var accountant = new RdpAccountant([4.0]);
        double expected = 0.7 + Math.Log(3.0 / 4.0) - ((Math.Log(1e-6) + Math.Log(4.0)) / 3.0);
        var spent = accountant.Convert([0.7], 1e-6, ConversionMethod.Tight);
        Assert.Equal(expected, spent.Epsilon, 1e-12);
        Assert.Equal(4.0, spent.Order);
    }

    [Fact]
    public void Convert_applies_the_classic_formula_at_a_single_order()
    {
        var accountant = new RdpAccountant([4.0]);
        Assert.Equal(0.7 + (Math.Log(1e6) / 3.0), accountant.Convert([0.7], 1e-6, ConversionMethod.Classic).Epsilon, 1e-12);
    }

    [Fact]
    public void GetPrivacySpent_reports_the_order_that_attains_the_minimum()
    {
        var accountant = new RdpAccountant();
        var mechanism = new SubsampledGaussian(0.01, 1.0, 1000);
        var spent = accountant.GetPrivacySpent(mechanism, 1e-5);
        var single = new RdpAccountant([spent.Order]).GetPrivacySpent(mechanism, 1e-5);
        Assert.Equal(spent.Epsilon, single.Epsilon, 1e-12);
    }

    [Fact]
    public void MinimumNoiseMultiplier_round_trips_through_the_accountant()
    {
        // ε(σ*) ≤ target and ε(σ*(1 − 2·tol)) > target, tol = 1e-4 relative.
        var accountant = new RdpAccountant();
        const double Target = 2.0;
        double sigma = accountant.MinimumNoiseMultiplier(Target, 1e-5, 0.01, 2000, relativeTolerance: 1e-4);
        double atSigma = accountant.GetPrivacySpent(new SubsampledGaussian(0.01, sigma, 2000), 1e-5).Epsilon;
        double slightlyLess = accountant.GetPrivacySpent(new SubsampledGaussian(0.01, sigma * (1 - 2e-4), 2000), 1e-5).Epsilon;
        Assert.InRange(atSigma, Target * 0.995, Target);
        Assert.True(slightlyLess > Target, $"σ = {sigma} is not minimal: σ·(1 − 2e−4) gives ε = {slightlyLess}.");
    }

    [Fact]
    public void MinimumNoiseMultiplier_throws_when_the_target_is_unreachable_within_the_bracket()
    {
        var accountant = new RdpAccountant();
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => accountant.MinimumNoiseMultiplier(0.01, 1e-5, 1.0, 10_000, maxNoiseMultiplier: 10));
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void SubsampledGaussian_rejects_a_sampling_rate_outside_the_unit_interval(double q)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SubsampledGaussian(q, 1.0, 1));
        Assert.Equal("samplingRate", error.ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void SubsampledGaussian_rejects_a_non_positive_or_infinite_noise_multiplier(double sigma)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SubsampledGaussian(0.1, sigma, 1));
        Assert.Equal("noiseMultiplier", error.ParamName);
    }

    [Fact]
    public void SubsampledGaussian_rejects_negative_steps()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SubsampledGaussian(0.1, 1.0, -1));
        Assert.Equal("steps", error.ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-1e-5)]
    public void GetPrivacySpent_rejects_a_delta_outside_the_open_unit_interval(double delta)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new RdpAccountant().GetPrivacySpent(new SubsampledGaussian(0.1, 1.0, 1), delta));
        Assert.Equal("delta", error.ParamName);
    }

    [Fact]
    public void The_accountant_rejects_an_order_of_one_or_less()
    {
        Assert.Throws<ArgumentException>(() => new RdpAccountant([2.0, 1.0]));
    }

    [Fact]
    public void DefaultOrders_cover_fractional_small_integer_and_large_orders()
    {
        var orders = RdpAccountant.DefaultOrders;
        Assert.Contains(1.25, orders);
        Assert.Contains(1.5, orders);
        Assert.Contains(64.0, orders);
        Assert.Contains(512.0, orders);
        Assert.All(orders, o => Assert.True(o > 1));
    }
}
