using System.Buffers.Binary;

namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// An SCD41 at 0x62 (Sensirion datasheet §3.5–3.9): 16-bit commands; every 16-bit word read back is
/// followed by its CRC-8 (polynomial 0x31, init 0xFF, §3.11). Supports start/stop periodic
/// measurement, reinit, get_data_ready_status (0xE4B8) and read_measurement (0xEC05):
/// CO2 [ppm], T = −45 + 175·word/2^16, RH = 100·word/2^16.
/// </summary>
internal sealed class Scd4xDevice : FakeI2cDevice
{
    private ushort _lastCommand;

    public Scd4xDevice()
        : base(0x62)
    {
    }

    public ushort Co2Ppm { get; set; } = 500;

    public ushort TemperatureWord { get; set; } = 0x6667;

    public ushort HumidityWord { get; set; } = 0x5EB9;

    /// <summary>When true the CO2 word's CRC is sent wrong (a corrupted transfer).</summary>
    public bool CorruptCo2Crc { get; set; }

    public bool Measuring { get; private set; }

    /// <summary>Sensirion CRC-8: polynomial x^8 + x^5 + x^4 + 1 (0x31), init 0xFF, no reflection, no final XOR.</summary>
    public static byte Crc8(ushort word)
    {
        byte crc = 0xFF;
        Span<byte> bytes = [(byte)(word >> 8), (byte)word];
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ 0x31) : (byte)(crc << 1);
            }
        }

        return crc;
    }

    protected override void OnRead(Span<byte> buffer)
    {
        switch (_lastCommand)
        {
            case 0xE4B8:
                // Data ready when the lower 11 bits are not 0 (datasheet §3.8.2).
                WriteWord(buffer, 0, Measuring ? (ushort)0x8006 : (ushort)0x8000, corrupt: false);
                break;
            case 0xEC05:
                WriteWord(buffer, 0, Co2Ppm, CorruptCo2Crc);
                WriteWord(buffer, 3, TemperatureWord, corrupt: false);
                WriteWord(buffer, 6, HumidityWord, corrupt: false);
                break;
            default:
                throw new IOException($"SCD4x: read after command 0x{_lastCommand:x4} returns nothing.");
        }
    }

    protected override void OnWrite(ReadOnlySpan<byte> buffer)
    {
        _lastCommand = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        switch (_lastCommand)
        {
            case 0x21B1:
                Measuring = true;
                break;
            case 0x3F86:
                Measuring = false;
                break;
            case 0x3646 or 0xE4B8 or 0xEC05:
                break;
            default:
                throw new IOException($"SCD4x has no command 0x{_lastCommand:x4}.");
        }
    }

    private static void WriteWord(Span<byte> buffer, int offset, ushort word, bool corrupt)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer[offset..], word);
        buffer[offset + 2] = (byte)(Crc8(word) ^ (corrupt ? 0x5A : 0));
    }
}
