using System.Device.I2c;
using Iot.Device.Adc;

namespace FedEdge.Sensors.Hardware;

/// <summary>
/// INA219 bus voltage (V), signed current (A) and power (W) over <see cref="Ina219"/>, and from the
/// sign of the current whether the battery is charging or discharging.
/// </summary>
/// <remarks>
/// <para><b>Ownership:</b> the adapter owns the <see cref="I2cDevice"/> and the binding. Unlike the
/// other bindings, <see cref="Ina219.Dispose"/> does <em>not</em> dispose a device handed to its
/// <c>Ina219(I2cDevice)</c> constructor, so Dispose disposes the binding and then the device.</para>
/// <para><b>Sign:</b> the current register is two's complement (datasheet §8.6.3.4), but
/// <see cref="Ina219.ReadCurrent"/> in 4.2.0 reads it as an unsigned 16-bit number, so −1 count comes
/// back as 65535 × LSB. The adapter recovers the register count from the value and the LSB it
/// configured and reinterprets it as signed.</para>
/// </remarks>
public sealed class Ina219Adapter : SensorAdapter
{
    private static readonly string[] ChannelNames = [SensorChannels.BusVoltageV, SensorChannels.CurrentA, SensorChannels.PowerW];

    private readonly Ina219AdapterOptions _options;
    private readonly double _currentLsb;
    private readonly ushort _calibration;
    private I2cDevice? _device;
    private Ina219? _binding;
    private int _lastFlow;

    /// <summary>Creates the adapter; takes ownership of <paramref name="device"/>.</summary>
    public Ina219Adapter(I2cDevice device, TimeProvider timeProvider, Ina219AdapterOptions? options = null, SensorAdapterOptions? adapterOptions = null)
        : base(Bme280Adapter.NameOf("ina219", device), ChannelNames, timeProvider, adapterOptions)
    {
        _options = options ?? new Ina219AdapterOptions();
        _options.Validate();
        _currentLsb = _options.CurrentLsb();
        _calibration = (ushort)_options.CalibrationValue();
        _device = device;
    }

    /// <summary>The flow seen at the last successful read (Idle before the first).</summary>
    public PowerFlow LastFlow => (PowerFlow)Volatile.Read(ref _lastFlow);

    /// <summary>Classifies a signed current (A) by the configured wiring and idle threshold.</summary>
    public PowerFlow ClassifyFlow(double currentAmperes)
    {
        if (!double.IsFinite(currentAmperes) || Math.Abs(currentAmperes) < _options.IdleCurrentAmperes)
        {
            return PowerFlow.Idle;
        }

        bool intoBattery = currentAmperes > 0 == _options.PositiveCurrentIsCharging;
        return intoBattery ? PowerFlow.Charging : PowerFlow.Discharging;
    }

    /// <inheritdoc />
    protected override void ReadCore(Span<double> values)
    {
        if (_binding is null || PreviousReadFailed)
        {
            var binding = new Ina219(_device!);
            binding.Reset();
            binding.SetCalibration(_calibration, (float)_currentLsb);
            _binding = binding;
        }

        values[0] = _binding.ReadBusVoltage().Volts;
        values[1] = SignedCurrent(_binding.ReadCurrent().Amperes, _currentLsb);
        values[2] = (double)_binding.ReadPower().Watts;
        Volatile.Write(ref _lastFlow, (int)ClassifyFlow(values[1]));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        TryDisposeBinding(_binding);
        DisposeDevice(_device);
        _binding = null;
        _device = null;

        base.Dispose(disposing);
    }

    /// <summary>
    /// Undoes the binding's unsigned read of the current register: count = round(value / LSB), and a
    /// count of 2^15 or more is the two's-complement negative count − 2^16.
    /// </summary>
    internal static double SignedCurrent(double unsignedAmperes, double currentLsb)
    {
        // The binding multiplies by a float LSB; rounding to the nearest count removes that error.
        long count = (long)Math.Round(unsignedAmperes / (float)currentLsb);
        if (count >= 32768)
        {
            count -= 65536;
        }

        return count * currentLsb;
    }
}
