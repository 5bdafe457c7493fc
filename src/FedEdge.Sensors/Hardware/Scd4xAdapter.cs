using System.Device.I2c;
using Iot.Device.Scd4x;

namespace FedEdge.Sensors.Hardware;

/// <summary>SCD4x CO2 (ppm) over <see cref="Scd4x"/> in periodic measurement mode (one result per 5 s).</summary>
/// <remarks>
/// <para><b>Ownership:</b> the adapter owns the <see cref="I2cDevice"/> and the binding.
/// <see cref="Scd4x.Dispose"/> stops the periodic measurement and then disposes its device; if the
/// stop command fails (sensor gone) the adapter disposes the device itself.</para>
/// <para>The binding's read blocks until the next 5 s measurement period after the previous read
/// (so the first read after start waits ≈ 5 s; at the 10 s cadence later reads do not wait), and
/// throws a plain <see cref="Exception"/> "SCD4x not responding." when data-ready never comes:
/// that exact type is counted as a sensor fault. A word whose CRC-8 fails comes back as null and
/// is a failed read.</para>
/// </remarks>
public sealed class Scd4xAdapter : SensorAdapter
{
    private static readonly string[] ChannelNames = [SensorChannels.Co2Ppm];

    private I2cDevice? _device;
    private Scd4x? _binding;

    /// <summary>Creates the adapter; takes ownership of <paramref name="device"/>.</summary>
    public Scd4xAdapter(I2cDevice device, TimeProvider timeProvider, SensorAdapterOptions? options = null)
        : base(Bme280Adapter.NameOf("scd4x", device), ChannelNames, timeProvider, options)
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

        _binding ??= new Scd4x(_device!);
        var (co2, _, _) = _binding.ReadPeriodicMeasurement();
        if (co2 is not { } concentration)
        {
            throw new InvalidDataException("SCD4x CO2 word failed its CRC-8 check.");
        }

        values[0] = concentration.PartsPerMillion;
    }

    /// <inheritdoc />
    protected override bool IsSensorFault(Exception exception) => exception.GetType() == typeof(Exception);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_binding is null || !TryDisposeBinding(_binding))
        {
            DisposeDevice(_device);
        }

        _binding = null;
        _device = null;

        base.Dispose(disposing);
    }
}
