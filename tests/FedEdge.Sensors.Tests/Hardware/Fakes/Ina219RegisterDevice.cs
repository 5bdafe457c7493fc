using System.Buffers.Binary;

namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// An INA219 at 0x40 (TI datasheet SBOS448 §8.6): 16-bit big-endian registers behind a pointer —
/// 00 configuration (reset value 0x399F; writing bit 15 resets), 01 shunt voltage (signed, 10 µV
/// LSB), 02 bus voltage (bits 15..3, 4 mV LSB), 03 power, 04 current, 05 calibration. Like the chip,
/// current and power are computed from shunt, bus and calibration: current = shunt × cal / 4096
/// (eq. 4, signed), power = |current| × bus / 5000 (eq. 5).
/// </summary>
internal sealed class Ina219RegisterDevice : FakeI2cDevice
{
    private const ushort ConfigurationReset = 0x399F;
    private readonly ushort[] _registers = new ushort[6];
    private int _pointer;

    public Ina219RegisterDevice()
        : base(0x40)
    {
        _registers[0] = ConfigurationReset;
    }

    public ushort Calibration => _registers[5];

    /// <summary>Sets the measured shunt and bus voltages.</summary>
    public void Measure(double shuntVolts, double busVolts)
    {
        _registers[1] = unchecked((ushort)(short)Math.Round(shuntVolts / 10e-6));
        _registers[2] = (ushort)((int)Math.Round(busVolts / 0.004) << 3);
    }

    protected override void OnRead(Span<byte> buffer)
    {
        Recompute();
        BinaryPrimitives.WriteUInt16BigEndian(buffer, _registers[_pointer]);
    }

    protected override void OnWrite(ReadOnlySpan<byte> buffer)
    {
        _pointer = buffer[0];
        if (_pointer > 5)
        {
            throw new IOException($"INA219 has no register {_pointer}.");
        }

        if (buffer.Length == 3)
        {
            ushort value = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..]);
            if (_pointer == 0 && (value & 0x8000) != 0)
            {
                // Reset restores configuration and calibration; the ADC results are re-measured.
                _registers[0] = ConfigurationReset;
                _registers[5] = 0;
            }
            else if (_pointer is 0 or 5)
            {
                _registers[_pointer] = value;
            }
        }
    }

    private void Recompute()
    {
        int shunt = (short)_registers[1];
        int current = shunt * _registers[5] / 4096;
        int bus = _registers[2] >> 3;
        _registers[4] = unchecked((ushort)(short)current);
        _registers[3] = (ushort)(Math.Abs(current) * bus / 5000);
    }
}
