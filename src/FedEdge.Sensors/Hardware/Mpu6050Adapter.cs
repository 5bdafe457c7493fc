using System.Device.I2c;
using Iot.Device.Imu;

namespace FedEdge.Sensors.Hardware;

/// <summary>MPU-6050 acceleration (m/s², x/y/z) over <see cref="Mpu6050"/> at its default ±2 g range.</summary>
/// <remarks>
/// <b>Ownership:</b> the adapter owns the <see cref="I2cDevice"/> and the binding;
/// <see cref="Mpu6050.Dispose"/> disposes its device. The binding (built on the first read) resets
/// the chip, checks WHO_AM_I = 0x68 and sleeps ≈ 200 ms in its constructor. The ADXL345 binding in
/// Iot.Device.Bindings 4.2.0 is SPI-only, which is why the I2C MPU-6050 is the supported
/// accelerometer.
/// </remarks>
public sealed class Mpu6050Adapter : SensorAdapter
{
    private static readonly string[] ChannelNames = [SensorChannels.AccelerationX, SensorChannels.AccelerationY, SensorChannels.AccelerationZ];

    private I2cDevice? _device;
    private Mpu6050? _binding;

    /// <summary>Creates the adapter; takes ownership of <paramref name="device"/>.</summary>
    public Mpu6050Adapter(I2cDevice device, TimeProvider timeProvider, SensorAdapterOptions? options = null)
        : base(Bme280Adapter.NameOf("mpu6050", device), ChannelNames, timeProvider, options)
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

        _binding ??= new Mpu6050(_device!);
        var acceleration = _binding.GetAccelerometer();
        values[0] = acceleration.X;
        values[1] = acceleration.Y;
        values[2] = acceleration.Z;
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
}
