using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

// The rule: an I2C adapter owns the I2cDevice it is handed; whatever the binding does on Dispose,
// the device ends up disposed exactly once.
public class OwnershipTests
{
    [Fact]
    public void Bh1750_adapter_disposes_its_device_once_after_reads()
    {
        var device = new Bh1750Device { Count = 100 };
        var adapter = new Bh1750Adapter(device, new FakeTimeProvider());
        adapter.TryRead(out _);

        adapter.Dispose();

        Assert.Equal(1, device.DisposeCount);
    }

    [Fact]
    public void Mpu6050_adapter_disposes_its_device_once_after_reads()
    {
        var device = new Mpu6050RegisterDevice();
        var adapter = new Mpu6050Adapter(device, new FakeTimeProvider());
        adapter.TryRead(out _);

        adapter.Dispose();

        Assert.Equal(1, device.DisposeCount);
    }

    [Fact]
    public void Scd4x_adapter_disposes_its_device_when_the_binding_was_never_built()
    {
        var device = new Scd4xDevice();
        var adapter = new Scd4xAdapter(device, new FakeTimeProvider());

        adapter.Dispose();

        Assert.Equal(1, device.DisposeCount);
    }

    [Fact]
    public void Ina219_adapter_disposes_its_device_once_even_when_the_sensor_never_answered()
    {
        var device = new Ina219RegisterDevice { NotAnswering = true };
        var adapter = new Ina219Adapter(device, new FakeTimeProvider());
        adapter.TryRead(out _);

        adapter.Dispose();

        Assert.Equal(1, device.DisposeCount);
    }
}
