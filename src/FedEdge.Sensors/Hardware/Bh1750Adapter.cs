using System.Device.I2c;
using Iot.Device.Bh1750fvi;

namespace FedEdge.Sensors.Hardware;

/// <summary>BH1750FVI ambient light (lx) over <see cref="Bh1750fvi"/> in continuous high-resolution mode.</summary>
/// <remarks>
/// <b>Ownership:</b> the adapter owns the <see cref="I2cDevice"/> and the binding;
/// <see cref="Bh1750fvi.Dispose"/> disposes its device, so Dispose disposes the binding, or the
/// device itself when the binding was never built (built lazily on the first read, because its
/// constructor already talks to the chip).
/// </remarks>
public sealed class Bh1750Adapter : SensorAdapter
{
    private static readonly string[] ChannelNames = [SensorChannels.LightLux];

    private I2cDevice? _device;
    private Bh1750fvi? _binding;

    /// <summary>Creates the adapter; takes ownership of <paramref name="device"/>.</summary>
    public Bh1750Adapter(I2cDevice device, TimeProvider timeProvider, SensorAdapterOptions? options = null)
        : base(Bme280Adapter.NameOf("bh1750", device), ChannelNames, timeProvider, options)
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

        _binding ??= new Bh1750fvi(_device!, MeasuringMode.ContinuouslyHighResolutionMode);
        values[0] = _binding.Illuminance.Lux;
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
