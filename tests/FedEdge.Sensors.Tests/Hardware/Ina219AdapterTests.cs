using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

public class Ina219AdapterTests
{
    // Default options: 0.1 Ω shunt, 3.2 A full scale ⇒ current LSB = 97.66 µA. Reference values are
    // Ohm's law on the fake's shunt voltage (I = V / R, P = V_bus · |I|); the chip's integer
    // arithmetic (calibration truncated to 4194, current register truncated) costs < 0.1 %.
    private const double Tolerance = 0.001;

    [Fact]
    public void TryRead_returns_bus_voltage_current_and_power_when_charging()
    {
        var device = new Ina219RegisterDevice();
        device.Measure(shuntVolts: 0.050, busVolts: 12.0);
        using var adapter = new Ina219Adapter(device, new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        Assert.Equal(12.0, reading[0], 1e-9);
        Assert.Equal(0.5, reading[1], 0.5 * Tolerance);
        Assert.Equal(6.0, reading[2], 6.0 * Tolerance);
        Assert.Equal(PowerFlow.Charging, adapter.LastFlow);
    }

    [Fact]
    public void Negative_shunt_voltage_reads_as_negative_current_and_discharging()
    {
        var device = new Ina219RegisterDevice();
        device.Measure(shuntVolts: -0.050, busVolts: 5.1);
        using var adapter = new Ina219Adapter(device, new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        Assert.Equal(-0.5, reading[1], 0.5 * Tolerance);
        Assert.Equal(PowerFlow.Discharging, adapter.LastFlow);
    }

    [Fact]
    public void Reversed_wiring_option_flips_charging_and_discharging()
    {
        var device = new Ina219RegisterDevice();
        device.Measure(shuntVolts: -0.020, busVolts: 5.0);
        using var adapter = new Ina219Adapter(device, new FakeTimeProvider(), new Ina219AdapterOptions { PositiveCurrentIsCharging = false });

        Assert.True(adapter.TryRead(out _));

        Assert.Equal(PowerFlow.Charging, adapter.LastFlow);
    }

    [Fact]
    public void Current_below_the_idle_threshold_is_idle()
    {
        var device = new Ina219RegisterDevice();
        device.Measure(shuntVolts: 0.0002, busVolts: 5.0);
        using var adapter = new Ina219Adapter(device, new FakeTimeProvider());

        Assert.True(adapter.TryRead(out _));

        Assert.Equal(PowerFlow.Idle, adapter.LastFlow);
    }

    [Fact]
    public void Adapter_writes_the_datasheet_calibration_value()
    {
        var device = new Ina219RegisterDevice();
        device.Measure(0.01, 5);
        using var adapter = new Ina219Adapter(device, new FakeTimeProvider());

        adapter.TryRead(out _);

        // trunc(0.04096 / (3.2 / 32768 · 0.1)) = trunc(4194.304) = 4194 (datasheet eq. 1).
        Assert.Equal(4194, device.Calibration);
    }

    [Fact]
    public void Dispose_disposes_the_device_the_binding_leaves_open()
    {
        var device = new Ina219RegisterDevice();
        device.Measure(0.01, 5);
        var adapter = new Ina219Adapter(device, new FakeTimeProvider());
        adapter.TryRead(out _);

        adapter.Dispose();

        Assert.Equal(1, device.DisposeCount);
    }

    [Fact]
    public void Options_whose_calibration_overflows_are_rejected()
    {
        var options = new Ina219AdapterOptions { ShuntOhms = 0.0001, MaxExpectedCurrentAmperes = 0.001 };

        var ex = Assert.Throws<ArgumentException>(() => new Ina219Adapter(new Ina219RegisterDevice(), new FakeTimeProvider(), options));

        Assert.Contains("calibration", ex.Message, StringComparison.Ordinal);
    }
}
