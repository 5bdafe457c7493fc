using FedEdge.Sensors.Features;
using FedEdge.Sensors.Hardware;

namespace FedEdge.Sensors.Tests.Features;

public class FeatureWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Readings_older_than_the_window_length_are_evicted()
    {
        var window = new FeatureWindow(["a"], new FeatureWindowOptions { Length = TimeSpan.FromMinutes(1) });
        window.Add(0, T0, 100);
        window.Add(0, T0.AddSeconds(30), 1);
        window.Add(0, T0.AddSeconds(60), 3);

        Assert.True(window.TrySummarize(0, T0.AddSeconds(60), out var s));

        Assert.Equal(2, s.Count);
        Assert.Equal(2.0, s.Mean, 1e-12);
    }

    [Fact]
    public void A_full_ring_overwrites_its_oldest_reading()
    {
        var window = new FeatureWindow(["a"], new FeatureWindowOptions { CapacityPerChannel = 3 });
        for (int i = 0; i < 5; i++)
        {
            window.Add(0, T0.AddSeconds(i), i);
        }

        Assert.True(window.TrySummarize(0, T0.AddSeconds(4), out var s));

        Assert.Equal(3, s.Count);
        Assert.Equal(2.0, s.Min);
        Assert.Equal(4.0, s.Max);
    }

    [Fact]
    public void A_reading_older_than_the_newest_is_ignored()
    {
        var window = new FeatureWindow(["a"]);
        window.Add(0, T0.AddSeconds(10), 1);

        bool added = window.Add(0, T0, 50);

        Assert.False(added);
        Assert.Equal(1, window.CountAt(0, T0.AddSeconds(10)));
    }

    [Fact]
    public void TryWriteFeatures_writes_mean_std_min_max_slope_per_channel_in_order()
    {
        var window = new FeatureWindow(["a", "b"]);
        for (int i = 0; i < 3; i++)
        {
            window.Add(0, T0.AddSeconds(10 * i), 1 + (2 * i));
            window.Add(1, T0.AddSeconds(10 * i), 7);
        }

        var features = new float[window.FeatureCount];
        Assert.True(window.TryWriteFeatures(T0.AddSeconds(20), features));

        // a = 1, 3, 5 at 0, 10, 20 s: mean 3, population std √(8/3), min 1, max 5, slope 0.2/s.
        float[] expected = [3f, (float)Math.Sqrt(8.0 / 3.0), 1f, 5f, 0.2f, 7f, 0f, 7f, 7f, 0f];
        Assert.Equal(expected, features, (x, y) => Math.Abs(x - y) < 1e-6f);
    }

    [Fact]
    public void TryWriteFeatures_fails_when_a_channel_is_empty()
    {
        var window = new FeatureWindow(["a", "b"]);
        window.Add(0, T0, 1);

        Assert.False(window.TryWriteFeatures(T0, new float[10]));
    }

    [Fact]
    public void Magnitude_of_a_constant_vector_has_its_length_and_no_spread()
    {
        var window = new FeatureWindow([SensorChannels.AccelerationX, SensorChannels.AccelerationY, SensorChannels.AccelerationZ]);
        int[] map = window.MapChannels([SensorChannels.AccelerationX, SensorChannels.AccelerationY, SensorChannels.AccelerationZ]);
        for (int i = 0; i < 10; i++)
        {
            window.Add(new SensorReading(T0.AddSeconds(i), [3.0, 4.0, 0.0]), map);
        }

        Assert.True(window.TrySummarizeMagnitude(0, 1, 2, T0.AddSeconds(9), 0.01, 0.5, out var m));

        Assert.Equal(5.0, m.Mean, 1e-12);
        Assert.Equal(0.0, m.StandardDeviation, 1e-12);
        Assert.Equal(0.0, m.BandPower, 1e-12);
        Assert.Equal(1.0, m.SampleRateHz, 1e-12);
    }

    [Fact]
    public void Magnitude_band_power_of_a_vertical_vibration_matches_the_sine_power()
    {
        // z = 9.81 + 0.3 sin(2π·2 t) at 16 Hz for 4 s, x = y = 0: |a| = z (positive), so the
        // 1–3 Hz band holds 0.3²/2 = 0.045 (m/s²)².
        var window = new FeatureWindow(["x", "y", "z"], new FeatureWindowOptions { Length = TimeSpan.FromSeconds(10) });
        const int n = 64;
        for (int i = 0; i < n; i++)
        {
            var t = T0.AddTicks(i * TimeSpan.TicksPerSecond / 16);
            window.Add(0, t, 0);
            window.Add(1, t, 0);
            window.Add(2, t, 9.81 + (0.3 * Math.Sin(2 * Math.PI * 2 * i / 16.0)));
        }

        var now = T0.AddTicks((n - 1) * TimeSpan.TicksPerSecond / 16);
        Assert.True(window.TrySummarizeMagnitude(0, 1, 2, now, 1, 3, out var m));

        // The rate estimate (n − 1)/span is exact here, so the bins fall on 2 Hz.
        Assert.Equal(0.045, m.BandPower, 1e-9);
    }
}
