using System.Device.Gpio;
using System.Device.I2c;
using FedEdge.Device.Eligibility;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Eligibility;

/// <summary>"Agent:Power" turned into a source: the INA219 and GPIO sources run the real bindings over register-level fakes.</summary>
public sealed class PowerSourcesTests
{
    private static readonly FakeTimeProvider Time = new();

    private static IPowerSource Create(PowerOptions options, I2cDevice? device = null, GpioController? gpio = null) =>
        PowerSources.Create(
            options,
            _ => device ?? throw new IOException("no I2C bus"),
            () => gpio ?? throw new PlatformNotSupportedException("no GPIO chip"),
            Time);

    [Fact]
    public void Mains_always_reads_mains()
    {
        Assert.Equal(PowerState.Mains, Create(new PowerOptions { Source = PowerSourceKind.Mains }).Read());
    }

    [Fact]
    public void Sysfs_reads_the_configured_root()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("ac"));
        File.WriteAllText(dir.File("ac/type"), "Mains\n");
        File.WriteAllText(dir.File("ac/online"), "1\n");

        var source = Create(new PowerOptions { Source = PowerSourceKind.Sysfs, SysfsRoot = dir.Path });

        Assert.IsType<SysfsPowerSupply>(source);
        Assert.NotEqual(PowerState.Unknown, source.Read());
    }

    [Theory]
    // 0.1 Ω shunt: +50 mV is +0.5 A into the battery, −30 mV is 0.3 A out of it, 0.2 mV (2 mA) is below the 10 mA idle threshold
    [InlineData(0.050, true, PowerState.Charging)]
    [InlineData(-0.030, true, PowerState.OnBattery)]
    [InlineData(0.050, false, PowerState.OnBattery)]
    [InlineData(0.0002, true, PowerState.Charging)]
    public void Ina219_reads_charging_from_the_sign_of_the_battery_current(double shuntVolts, bool positiveIsCharging, PowerState expected)
    {
        var device = new Ina219RegisterDevice();
        device.Measure(shuntVolts, busVolts: 4.1);
        var options = new PowerOptions { Source = PowerSourceKind.Ina219 };
        options.Ina219.PositiveCurrentIsCharging = positiveIsCharging;

        var source = Create(options, device);
        try
        {
            Assert.Equal("ina219", source.Name);
            Assert.Equal(expected, source.Read());
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void An_ina219_that_stops_answering_reads_unknown_so_the_device_does_not_train()
    {
        var device = new Ina219RegisterDevice();
        device.Measure(0.05, 4.1);
        var source = Create(new PowerOptions { Source = PowerSourceKind.Ina219 }, device);
        try
        {
            Assert.Equal(PowerState.Charging, source.Read());
            device.NotAnswering = true;

            Assert.Equal(PowerState.Unknown, source.Read());
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void Disposing_the_ina219_source_disposes_its_i2c_device()
    {
        var device = new Ina219RegisterDevice();
        var source = Create(new PowerOptions { Source = PowerSourceKind.Ina219 }, device);

        ((IDisposable)source).Dispose();

        Assert.Equal(1, device.DisposeCount);
    }

    [Fact]
    public void A_missing_i2c_bus_gives_an_unavailable_source_that_says_why_instead_of_throwing()
    {
        var source = Create(new PowerOptions { Source = PowerSourceKind.Ina219 });

        var unavailable = Assert.IsType<UnavailablePower>(source);
        Assert.Equal(PowerState.Unknown, unavailable.Read());
        Assert.Contains("no I2C bus", unavailable.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, 1, PowerState.Charging)]
    [InlineData(true, 0, PowerState.OnBattery)]
    [InlineData(false, 0, PowerState.Charging)]
    [InlineData(false, 1, PowerState.OnBattery)]
    public void A_charger_pin_maps_its_level_through_the_configured_polarity(bool activeHigh, int level, PowerState expected)
    {
        var driver = new FakeGpioDriver();
        driver.SetLevel(22, level == 1 ? PinValue.High : PinValue.Low);
        var source = Create(new PowerOptions { Source = PowerSourceKind.Gpio, GpioPin = 22, GpioActiveHigh = activeHigh }, gpio: new GpioController(driver));
        try
        {
            Assert.Equal("gpio", source.Name);
            Assert.Equal(expected, source.Read());
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void Disposing_the_gpio_source_closes_its_pin()
    {
        var driver = new FakeGpioDriver();
        var source = Create(new PowerOptions { Source = PowerSourceKind.Gpio, GpioPin = 22 }, gpio: new GpioController(driver));
        Assert.True(driver.IsOpen(22));

        ((IDisposable)source).Dispose();

        Assert.False(driver.IsOpen(22));
    }

    [Fact]
    public void A_missing_gpio_chip_gives_an_unavailable_source()
    {
        var source = Create(new PowerOptions { Source = PowerSourceKind.Gpio, GpioPin = 22 });

        Assert.Equal("gpio", source.Name);
        Assert.Equal(PowerState.Unknown, source.Read());
    }
}
