using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Device.I2c;
using FedEdge.Sensors.Hardware;
using Microsoft.Extensions.Logging;

namespace FedEdge.Device.Sampling;

/// <summary>
/// Opens the sensors listed in <see cref="SamplingOptions.Sensors"/> on the board's I2C bus and
/// GPIO header. Ownership: this object owns every adapter and the one shared
/// <see cref="GpioController"/> (GPIO adapters borrow it); each I2C adapter owns its
/// <see cref="I2cDevice"/>. A sensor that does not answer at start (wrong chip id, no bus) is
/// logged and left out, so one missing breakout does not stop the device; its features are imputed.
/// </summary>
public sealed partial class ConfiguredSensors : IDisposable
{
    private readonly List<ISensorAdapter> _adapters = [];
    private GpioController? _gpio;

    /// <summary>Opens every configured sensor that answers.</summary>
    public ConfiguredSensors(SamplingOptions options, TimeProvider time, ILogger<ConfiguredSensors> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        foreach (string entry in options.Sensors)
        {
            _ = SensorSpec.TryParse(entry, out var spec, out _); // validated above
            try
            {
                _adapters.Add(Open(spec!, options.I2cBus, options.GpioChip, time));
                LogOpened(logger, entry);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException or ArgumentException)
            {
                LogNotOpened(logger, entry, ex);
            }
        }
    }

    /// <summary>The sensors that answered, in configuration order.</summary>
    public IReadOnlyList<ISensorAdapter> Adapters => _adapters;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var adapter in _adapters)
        {
            adapter.Dispose();
        }

        _adapters.Clear();
        _gpio?.Dispose();
        _gpio = null;
    }

    private static GpioController OpenGpio(int chip)
    {
        // The character device (libgpiod), never the default driver: on Pi 3/4 that maps /dev/gpiomem,
        // which the hardened unit does not allow (deploy/systemd/fededge-agent.service, DeviceAllow=char-gpiochip).
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("GPIO sensors need Linux (libgpiod).");
        }

        return new GpioController(new LibGpiodDriver(chip));
    }

    private ISensorAdapter Open(SensorSpec spec, int bus, int gpioChip, TimeProvider time)
    {
        if (spec.IsGpio)
        {
            _gpio ??= OpenGpio(gpioChip);
            var pin = new GpioInputOptions { Pin = spec.Location };
            return spec.Kind == "pir" ? new PirMotionAdapter(_gpio, pin, time) : new DoorContactAdapter(_gpio, pin, time);
        }

        var device = I2cDevice.Create(new I2cConnectionSettings(bus, spec.Location));
        try
        {
            return spec.Kind switch
            {
                "bme280" => new Bme280Adapter(device, time),
                "bh1750" => new Bh1750Adapter(device, time),
                "scd4x" => new Scd4xAdapter(device, time),
                "ina219" => new Ina219Adapter(device, time),
                _ => new Mpu6050Adapter(device, time),
            };
        }
        catch
        {
            // the adapter takes ownership only once constructed
            device.Dispose();
            throw;
        }
    }

    [LoggerMessage(EventId = 33, Level = LogLevel.Information, Message = "Sensor {Sensor} opened")]
    private static partial void LogOpened(ILogger logger, string sensor);

    [LoggerMessage(EventId = 34, Level = LogLevel.Error, Message = "Sensor {Sensor} did not answer at start; sampling continues without it")]
    private static partial void LogNotOpened(ILogger logger, string sensor, Exception exception);
}
