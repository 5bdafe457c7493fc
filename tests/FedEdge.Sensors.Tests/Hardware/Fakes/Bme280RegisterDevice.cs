namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// A BME280 at 0x76 holding the Bosch datasheet's worked example (BST-BME280-DS002 §8.1 / BMP280
/// DS001 §3.12): dig_T1..T3 = 27504, 26435, −1000; dig_P1..P9 = 36477, −10685, 3024, 2855, 140, −7,
/// 15500, −14600, 6000; adc_T = 519888, adc_P = 415148 (datasheet result: 25.08 °C, 100653.27 Pa).
/// The humidity words have no published example; the test computes its reference independently.
/// </summary>
internal sealed class Bme280RegisterDevice : RegisterMapI2cDevice
{
    public const int AdcT = 519888;
    public const int AdcP = 415148;
    public const int AdcH = 30000;
    public const byte DigH1 = 75;
    public const short DigH2 = 362;
    public const byte DigH3 = 0;
    public const short DigH4 = 313;
    public const short DigH5 = 50;
    public const sbyte DigH6 = 30;

    public Bme280RegisterDevice(byte chipId = 0x60)
        : base(0x76)
    {
        this[0xD0] = chipId;
        int[] calibration = [27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000];
        for (int i = 0; i < calibration.Length; i++)
        {
            SetLittleEndian16(0x88 + (2 * i), calibration[i]);
        }

        // Humidity calibration layout, datasheet table 16: H1 @A1, H2 @E1/E2, H3 @E3,
        // H4 = E4[7:0]<<4 | E5[3:0], H5 = E6[7:0]<<4 | E5[7:4], H6 @E7.
        this[0xA1] = DigH1;
        SetLittleEndian16(0xE1, DigH2);
        this[0xE3] = DigH3;
        this[0xE4] = (byte)(DigH4 >> 4);
        this[0xE5] = (byte)((DigH4 & 0x0F) | ((DigH5 & 0x0F) << 4));
        this[0xE6] = (byte)(DigH5 >> 4);
        this[0xE7] = unchecked((byte)DigH6);

        // Data registers, 0xF7..0xFE: press[19:12], [11:4], [3:0]<<4, temp likewise, hum msb, lsb.
        Set20Bit(0xF7, AdcP);
        Set20Bit(0xFA, AdcT);
        SetBigEndian16(0xFD, AdcH);
    }

    /// <summary>
    /// Power loss: control registers return to their reset value 0x00 (datasheet §5.3), so
    /// oversampling is "skipped" until someone configures the chip again.
    /// </summary>
    public void PowerCycle()
    {
        this[0xF2] = 0;
        this[0xF4] = 0;
        this[0xF5] = 0;
    }

    /// <summary>A skipped measurement reads 0x80000 (datasheet §3.3.3/§5.4.7–5.4.8).</summary>
    protected override byte ReadRegister(int register)
    {
        bool temperatureSkipped = (this[0xF4] >> 5) == 0;
        bool pressureSkipped = ((this[0xF4] >> 2) & 0b111) == 0;
        if ((register is >= 0xFA and <= 0xFC && temperatureSkipped) || (register is >= 0xF7 and <= 0xF9 && pressureSkipped))
        {
            return register is 0xF7 or 0xFA ? (byte)0x80 : (byte)0;
        }

        return base.ReadRegister(register);
    }

    private void Set20Bit(int register, int value)
    {
        this[register] = (byte)(value >> 12);
        this[register + 1] = (byte)(value >> 4);
        this[register + 2] = (byte)((value & 0x0F) << 4);
    }
}
