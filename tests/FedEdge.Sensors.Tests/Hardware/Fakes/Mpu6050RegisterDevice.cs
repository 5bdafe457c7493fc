namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// An MPU-6050 at 0x68 (InvenSense register map RM-MPU-6000A): WHO_AM_I (0x75) = 0x68, the
/// accelerometer outputs big-endian int16 at 0x3B..0x40. Sensitivity at ±2 g (AFS_SEL = 0, the
/// binding's default) is 16384 LSB/g (product specification §6.2).
/// </summary>
internal sealed class Mpu6050RegisterDevice : RegisterMapI2cDevice
{
    public Mpu6050RegisterDevice()
        : base(0x68)
    {
        this[0x75] = 0x68;
    }

    public void SetRawAcceleration(short x, short y, short z)
    {
        SetBigEndian16(0x3B, x);
        SetBigEndian16(0x3D, y);
        SetBigEndian16(0x3F, z);
    }
}
