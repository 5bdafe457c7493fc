using FedEdge.Sensors.Features;
using FsCheck;
using FsCheck.Xunit;

namespace FedEdge.Sensors.Tests.Features;

public class SpectralEnergyTests
{
    private static double[] Sine(int n, double amplitude, double frequencyHz, double rateHz, double offset = 0, double phase = 0)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = offset + (amplitude * Math.Sin((2 * Math.PI * frequencyHz * i / rateHz) + phase));
        }

        return x;
    }

    [Fact]
    public void A_pure_sine_has_band_power_amplitude_squared_over_two()
    {
        // A = 2 at 5 Hz, 64 Hz sampling, 128 samples = 10 whole cycles: the analytic mean power of
        // A·sin is A²/2 = 2, all in the 5 Hz bin.
        var x = Sine(128, amplitude: 2, frequencyHz: 5, rateHz: 64, phase: 0.3);

        double power = SpectralEnergy.BandPower(x, 64, lowHz: 4, highHz: 6);

        Assert.Equal(2.0, power, 1e-9);
    }

    [Fact]
    public void A_band_that_misses_the_sine_holds_no_power()
    {
        var x = Sine(128, amplitude: 2, frequencyHz: 5, rateHz: 64);

        double power = SpectralEnergy.BandPower(x, 64, lowHz: 8, highHz: 32);

        Assert.Equal(0.0, power, 1e-9);
    }

    [Fact]
    public void A_constant_offset_lands_only_in_the_dc_bin()
    {
        // 9.81 + 0.5·sin: DC carries 9.81², the sine 0.5²/2 = 0.125.
        var x = Sine(64, amplitude: 0.5, frequencyHz: 2, rateHz: 16, offset: 9.81);

        Assert.Equal(9.81 * 9.81, SpectralEnergy.BandPower(x, 16, 0, 0), 1e-9);
        Assert.Equal(0.125, SpectralEnergy.BandPower(x, 16, 0.1, 8), 1e-9);
    }

    [Property(MaxTest = 50)]
    public void Everything_but_dc_equals_the_population_variance(NonEmptyArray<NormalFloat> raw)
    {
        // Parseval: the band (0, fs/2] carries Σ(x − x̄)²/N; the reference is the two-pass variance.
        var x = raw.Get.Take(SpectralEnergy.MaxSamples).Select(v => Math.Clamp(v.Get, -1e3, 1e3)).ToArray();
        double mean = x.Average();
        double variance = x.Sum(v => (v - mean) * (v - mean)) / x.Length;

        double power = SpectralEnergy.BandPower(x, sampleRateHz: 10, lowHz: 1e-9, highHz: 5);

        Assert.Equal(variance, power, 1e-9 * Math.Max(1, variance));
    }

    [Fact]
    public void An_inverted_band_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => SpectralEnergy.BandPower([1, 2, 3], 10, 4, 2));
    }
}
