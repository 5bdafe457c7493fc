using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

public class SensorAdapterHealthTests
{
    private static readonly SensorAdapterOptions ThreeStrikes = new() { UnhealthyAfterFailures = 3 };

    [Fact]
    public void One_failed_read_makes_the_sensor_degraded()
    {
        var device = new Bme280RegisterDevice();
        using var adapter = new Bme280Adapter(device, new FakeTimeProvider(), ThreeStrikes);
        Assert.True(adapter.TryRead(out _));

        device.NotAnswering = true;
        bool read = adapter.TryRead(out _);

        Assert.False(read);
        Assert.Equal(SensorHealth.Degraded, adapter.Health.Health);
    }

    [Fact]
    public void Consecutive_failures_at_the_threshold_make_the_sensor_unhealthy()
    {
        var device = new Bme280RegisterDevice();
        using var adapter = new Bme280Adapter(device, new FakeTimeProvider(), ThreeStrikes);
        Assert.True(adapter.TryRead(out _));

        device.NotAnswering = true;
        for (int i = 0; i < 3; i++)
        {
            Assert.False(adapter.TryRead(out var reading));
            Assert.Equal(default, reading);
        }

        var health = adapter.Health;
        Assert.Equal(SensorHealth.Unhealthy, health.Health);
        Assert.Equal(3, health.ConsecutiveFailures);
        Assert.StartsWith("IOException", health.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unhealthy_sensor_recovers_when_it_answers_again()
    {
        var clock = new FakeTimeProvider();
        var device = new Bme280RegisterDevice();
        using var adapter = new Bme280Adapter(device, clock, ThreeStrikes);
        Assert.True(adapter.TryRead(out _));
        device.NotAnswering = true;
        for (int i = 0; i < 5; i++)
        {
            adapter.TryRead(out _);
        }

        device.NotAnswering = false;
        clock.Advance(TimeSpan.FromSeconds(10));
        bool read = adapter.TryRead(out var reading);

        Assert.True(read);
        Assert.Equal(25.08, reading[0], 0.005);
        var health = adapter.Health;
        Assert.Equal(SensorHealth.Healthy, health.Health);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(5, health.TotalFailures);
        Assert.Equal(clock.GetUtcNow(), health.LastSuccessAt);
    }

    [Fact]
    public void A_sensor_that_lost_power_is_configured_again_on_recovery()
    {
        var device = new Bme280RegisterDevice();
        using var adapter = new Bme280Adapter(device, new FakeTimeProvider(), ThreeStrikes);
        Assert.True(adapter.TryRead(out _));

        device.NotAnswering = true;
        Assert.False(adapter.TryRead(out _));
        device.PowerCycle();
        device.NotAnswering = false;

        Assert.True(adapter.TryRead(out var reading));
        Assert.Equal(25.08, reading[0], 0.005);
        Assert.Equal(100653.27, reading[2], 0.005);
    }

    [Fact]
    public void A_sensor_absent_at_start_is_built_once_it_answers()
    {
        var device = new Bme280RegisterDevice { NotAnswering = true };
        using var adapter = new Bme280Adapter(device, new FakeTimeProvider(), ThreeStrikes);
        for (int i = 0; i < 3; i++)
        {
            Assert.False(adapter.TryRead(out _));
        }

        Assert.Equal(SensorHealth.Unhealthy, adapter.Health.Health);

        device.NotAnswering = false;

        Assert.True(adapter.TryRead(out _));
        Assert.Equal(SensorHealth.Healthy, adapter.Health.Health);
    }

    [Fact]
    public void Options_with_a_zero_threshold_are_rejected_naming_the_setting()
    {
        var options = new SensorAdapterOptions { UnhealthyAfterFailures = 0 };

        var ex = Assert.Throws<ArgumentException>(() => new Bme280Adapter(new Bme280RegisterDevice(), new FakeTimeProvider(), options));

        Assert.Contains(nameof(SensorAdapterOptions.UnhealthyAfterFailures), ex.Message, StringComparison.Ordinal);
    }
}
