using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Device.I2c;
using FedEdge.Sensors.Hardware;

namespace FedEdge.Device.Eligibility;

/// <summary>Builds the power source "Agent:Power" names. The one place that turns that setting into hardware.</summary>
public static class PowerSources
{
    /// <summary>
    /// The configured source, on the board's I2C bus <paramref name="i2cBus"/> and GPIO chip <paramref name="gpioChip"/>.
    /// Hardware that cannot be opened gives an <see cref="UnavailablePower"/> (reads Unknown: no training), never an exception,
    /// so a missing breakout keeps the agent up and saying why.
    /// </summary>
    public static IPowerSource Create(PowerOptions options, int i2cBus, int gpioChip, TimeProvider time) =>
        Create(
            options,
            address => I2cDevice.Create(new I2cConnectionSettings(i2cBus, address)),
            () => OperatingSystem.IsLinux()
                // the character device (libgpiod) as the sensors use it; the hardened unit allows only char-gpiochip
                ? new GpioController(new LibGpiodDriver(gpioChip))
                : throw new PlatformNotSupportedException("GPIO needs Linux (libgpiod)."),
            time);

    /// <summary>As <see cref="Create(PowerOptions, int, int, TimeProvider)"/> with the bus and chip opened by the given functions (tests hand in fakes).</summary>
    public static IPowerSource Create(PowerOptions options, Func<int, I2cDevice> openI2c, Func<GpioController> openGpio, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(openI2c);
        ArgumentNullException.ThrowIfNull(openGpio);
        ArgumentNullException.ThrowIfNull(time);
        switch (options.Source)
        {
            case PowerSourceKind.Mains:
                return new ConfiguredMainsPower();
            case PowerSourceKind.Sysfs:
                return new SysfsPowerSupply(options.SysfsRoot);
            case PowerSourceKind.Ina219:
                return Open("ina219", () =>
                {
                    var device = openI2c(options.Ina219Address);
                    try
                    {
                        return new Ina219Power(new Ina219Adapter(device, time, options.Ina219));
                    }
                    catch
                    {
                        device.Dispose(); // the adapter owns the device only once constructed
                        throw;
                    }
                });
            case PowerSourceKind.Gpio:
                return Open("gpio", () =>
                {
                    var controller = openGpio();
                    try
                    {
                        return new GpioPower(controller, options.GpioPin, options.GpioActiveHigh);
                    }
                    catch
                    {
                        controller.Dispose();
                        throw;
                    }
                });
            default:
                throw new ArgumentException($"Agent:Power:Source {options.Source} is not a power source.", nameof(options));
        }
    }

    private static IPowerSource Open(string name, Func<IPowerSource> open)
    {
        try
        {
            return open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException or ArgumentException or DllNotFoundException)
        {
            return new UnavailablePower(name, ex.Message);
        }
    }
}
