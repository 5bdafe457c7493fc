using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

public class Mpu6050AdapterTests
{
    [Fact]
    public void TryRead_converts_counts_to_metres_per_second_squared()
    {
        // ±2 g: 16384 LSB/g (MPU-6050 product specification §6.2). The binding uses g = 9.807; the
        // reference uses standard gravity 9.80665, so the tolerance is 0.001 m/s².
        var device = new Mpu6050RegisterDevice();
        device.SetRawAcceleration(0, -8192, 16384);
        using var adapter = new Mpu6050Adapter(device, new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        Assert.Equal(0.0, reading[0], 1e-9);
        Assert.Equal(-0.5 * 9.80665, reading[1], 0.001);
        Assert.Equal(9.80665, reading[2], 0.001);
    }
}
