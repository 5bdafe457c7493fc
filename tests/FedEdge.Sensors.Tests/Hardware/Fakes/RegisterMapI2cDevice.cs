namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// An 8-bit register file with an auto-incrementing pointer, as in the BME280 (datasheet §6.2.1/6.2.2)
/// and the MPU-6050 (register map §3): a write's first byte sets the pointer, following bytes are
/// stored at consecutive registers; a read returns consecutive registers from the pointer.
/// </summary>
internal class RegisterMapI2cDevice : FakeI2cDevice
{
    private readonly byte[] _registers = new byte[256];
    private int _pointer;

    public RegisterMapI2cDevice(int address)
        : base(address)
    {
    }

    public byte this[int register]
    {
        get => _registers[register];
        set => _registers[register] = value;
    }

    public void SetLittleEndian16(int register, int value)
    {
        _registers[register] = (byte)(value & 0xFF);
        _registers[register + 1] = (byte)((value >> 8) & 0xFF);
    }

    public void SetBigEndian16(int register, int value)
    {
        _registers[register] = (byte)((value >> 8) & 0xFF);
        _registers[register + 1] = (byte)(value & 0xFF);
    }

    protected override void OnRead(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = ReadRegister((_pointer + i) & 0xFF);
        }

        _pointer = (_pointer + buffer.Length) & 0xFF;
    }

    protected override void OnWrite(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        _pointer = buffer[0];
        for (int i = 1; i < buffer.Length; i++)
        {
            OnRegisterWrite(_pointer, buffer[i]);
            _pointer = (_pointer + 1) & 0xFF;
        }
    }

    /// <summary>The value a read of <paramref name="register"/> returns; subclasses model live outputs.</summary>
    protected virtual byte ReadRegister(int register) => _registers[register];

    /// <summary>Stores a written register; subclasses model side effects (reset commands).</summary>
    protected virtual void OnRegisterWrite(int register, byte value) => _registers[register] = value;
}
