using System.Device.I2c;

namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// Base of the register-level fakes: bus address, a switch that makes every transfer throw
/// <see cref="IOException"/> (a sensor that stops answering), and a dispose counter (ownership rule).
/// </summary>
internal abstract class FakeI2cDevice : I2cDevice
{
    private readonly I2cConnectionSettings _settings;

    protected FakeI2cDevice(int address)
    {
        _settings = new I2cConnectionSettings(1, address);
    }

    public override I2cConnectionSettings ConnectionSettings => _settings;

    /// <summary>When true every transfer throws, as the Linux i2c-dev driver does on a NACK (EREMOTEIO).</summary>
    public bool NotAnswering { get; set; }

    public int DisposeCount { get; private set; }

    public override void Read(Span<byte> buffer)
    {
        ThrowIfNotAnswering();
        OnRead(buffer);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfNotAnswering();
        OnWrite(buffer);
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected abstract void OnRead(Span<byte> buffer);

    protected abstract void OnWrite(ReadOnlySpan<byte> buffer);

    protected override void Dispose(bool disposing)
    {
        DisposeCount++;
        base.Dispose(disposing);
    }

    private void ThrowIfNotAnswering()
    {
        if (NotAnswering)
        {
            throw new IOException($"Error 121 performing I2C data transfer (fake device 0x{_settings.DeviceAddress:x2} not answering).");
        }
    }
}
