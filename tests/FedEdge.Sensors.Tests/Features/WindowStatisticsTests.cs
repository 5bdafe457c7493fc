using FedEdge.Sensors.Features;

namespace FedEdge.Sensors.Tests.Features;

public class WindowStatisticsTests
{
    [Fact]
    public void Summarize_matches_hand_computed_statistics()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 40/8 = 5, squared deviations 9+1+1+1+0+0+4+16 = 32,
        // population variance 32/8 = 4 ⇒ std 2.
        double[] values = [2, 4, 4, 4, 5, 5, 7, 9];
        double[] seconds = [0, 1, 2, 3, 4, 5, 6, 7];

        var s = WindowStatistics.Summarize(seconds, values);

        Assert.Equal(8, s.Count);
        Assert.Equal(5.0, s.Mean, 1e-12);
        Assert.Equal(2.0, s.StandardDeviation, 1e-12);
        Assert.Equal(2.0, s.Min);
        Assert.Equal(9.0, s.Max);
    }

    [Fact]
    public void Slope_of_a_linear_signal_is_its_rate_per_second()
    {
        // x(t) = 21.5 + 0.004 t sampled every 10 s for 5 minutes: OLS recovers the rate exactly.
        var seconds = new double[30];
        var values = new double[30];
        for (int i = 0; i < 30; i++)
        {
            seconds[i] = 10 * i;
            values[i] = 21.5 + (0.004 * seconds[i]);
        }

        var s = WindowStatistics.Summarize(seconds, values);

        Assert.Equal(0.004, s.SlopePerSecond, 1e-12);
    }

    [Fact]
    public void Slope_matches_the_closed_form_for_three_points()
    {
        // (0, 1), (1, 3), (3, 4): t̄ = 4/3, x̄ = 8/3; dt = −4/3, −1/3, 5/3; dx = −5/3, 1/3, 4/3;
        // Σ dt·dx = 39/9 = 13/3, Σ dt² = 42/9 = 14/3 ⇒ b = 13/14.
        var s = WindowStatistics.Summarize([0, 1, 3], [1, 3, 4]);

        Assert.Equal(13.0 / 14.0, s.SlopePerSecond, 1e-12);
    }

    [Fact]
    public void Slope_of_a_single_reading_is_zero()
    {
        var s = WindowStatistics.Summarize([5], [42]);

        Assert.Equal(0.0, s.SlopePerSecond);
        Assert.Equal(0.0, s.StandardDeviation);
    }

    [Fact]
    public void Standard_deviation_survives_a_large_offset()
    {
        // Pressures around 1e5 Pa with ±1 Pa: a one-pass E[x²] − E[x]² would lose the digits.
        var s = WindowStatistics.Summarize([0, 1], [100000.0 - 1, 100000.0 + 1]);

        Assert.Equal(1.0, s.StandardDeviation, 1e-9);
    }
}
