using System.Device.I2c;
using Iot.Device.Bmxx80;

namespace FedEdge.Sensors.Hardware;

/// <summary>
/// BME280 temperature (°C), relative humidity (%) and pressure (Pa) over
/// <see cref="Iot.Device.Bmxx80.Bme280"/>.
/// </summary>
/// <remarks>
/// <para><b>Ownership:</b> the adapter owns the <see cref="I2cDevice"/> it is handed and the binding
/// it builds over it. <see cref="Bmxx80Base.Dispose()"/> disposes its device, so Dispose disposes
/// the binding, or the device itself when the binding was never built.</para>
/// <para>The binding is built on the first read, not in the constructor: its constructor checks
/// the chip id (0x60) and reads the calibration words, and a sensor that is absent at start must
/// make the adapter unhealthy, not the agent fail. After a failed read the binding is built again
/// (the chip may have lost power and its oversampling settings with it). Each read uses forced mode
/// (<see cref="Bme280.Read"/>, datasheet §3.3.3: one measurement, then sleep), which blocks for the
/// measurement time (≈ 21 ms at ×1 oversampling).</para>
/// </remarks>
public sealed class Bme280Adapter : SensorAdapter
{
    private static readonly string[] ChannelNames = [SensorChannels.TemperatureC, SensorChannels.HumidityPct, SensorChannels.PressurePa];

    private I2cDevice? _device;
    private Bme280? _binding;

    /// <summary>Creates the adapter; takes ownership of <paramref name="device"/>.</summary>
    public Bme280Adapter(I2cDevice device, TimeProvider timeProvider, SensorAdapterOptions? options = null)
        : base(NameOf("bme280", device), ChannelNames, timeProvider, options)
    {
        _device = device;
    }

    /// <inheritdoc />
    protected override void ReadCore(Span<double> values)
    {
        if (PreviousReadFailed)
        {
            // Rebuilt, not disposed: disposing the binding would dispose the device we still own.
            _binding = null;
        }

        _binding ??= new Bme280(_device!);
        var result = _binding.Read();
        if (result.Temperature is not { } temperature || result.Humidity is not { } humidity || result.Pressure is not { } pressure)
        {
            throw new InvalidDataException("BME280 skipped a measurement (oversampling set to Skipped).");
        }

        values[0] = temperature.DegreesCelsius;
        values[1] = humidity.Percent;
        values[2] = pressure.Pascals;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_binding is not null)
        {
            TryDisposeBinding(_binding);
        }
        else
        {
            DisposeDevice(_device);
        }

        _binding = null;
        _device = null;

        base.Dispose(disposing);
    }

    internal static string NameOf(string chip, I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var settings = device.ConnectionSettings;
        return FormattableString.Invariant($"{chip}@{settings.BusId}:0x{settings.DeviceAddress:x2}");
    }
}
