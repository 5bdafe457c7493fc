using System.Buffers.Binary;

namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// A BH1750FVI at 0x23 (ROHM datasheet p.5–7): no registers, only one-byte instructions (power on
/// 0x01, reset 0x07, measurement-time high 01000_MT[7:5], low 011_MT[4:0], modes 0x10–0x23) and a
/// two-byte big-endian read of the last result.
/// </summary>
internal sealed class Bh1750Device : FakeI2cDevice
{
    public Bh1750Device()
        : base(0x23)
    {
    }

    public ushort Count { get; set; }

    public byte? LastMode { get; private set; }

    public int MeasurementTime { get; private set; } = 69;

    protected override void OnRead(Span<byte> buffer) => BinaryPrimitives.WriteUInt16BigEndian(buffer, Count);

    protected override void OnWrite(ReadOnlySpan<byte> buffer)
    {
        foreach (byte instruction in buffer)
        {
            if ((instruction & 0b1111_1000) == 0b0100_0000)
            {
                MeasurementTime = (MeasurementTime & 0b0001_1111) | ((instruction & 0b111) << 5);
            }
            else if ((instruction & 0b1110_0000) == 0b0110_0000)
            {
                MeasurementTime = (MeasurementTime & 0b1110_0000) | (instruction & 0b1_1111);
            }
            else if (instruction is 0x10 or 0x11 or 0x13 or 0x20 or 0x21 or 0x23)
            {
                LastMode = instruction;
            }
            else if (instruction is not (0x00 or 0x01 or 0x07))
            {
                throw new IOException($"BH1750 has no instruction 0x{instruction:x2}.");
            }
        }
    }
}
