using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

public class Bh1750AdapterTests
{
    [Fact]
    public void TryRead_returns_the_datasheet_example_illuminance()
    {
        // ROHM BH1750FVI datasheet p.7: high byte 1000_0011, low byte 1001_0000 in H-resolution mode
        // ⇒ (2^15 + 2^9 + 2^8 + 2^7 + 2^4) / 1.2 ≈ 28067 lx.
        var device = new Bh1750Device { Count = 0b1000_0011_1001_0000 };
        using var adapter = new Bh1750Adapter(device, new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        Assert.Equal((32768 + 512 + 256 + 128 + 16) / 1.2, reading[0], 1e-9);
        Assert.Equal((byte?)0x10, device.LastMode);
    }

    [Fact]
    public void A_light_sensor_that_stops_answering_fails_the_read_and_recovers()
    {
        var device = new Bh1750Device { Count = 1200 };
        using var adapter = new Bh1750Adapter(device, new FakeTimeProvider());
        Assert.True(adapter.TryRead(out _));

        device.NotAnswering = true;
        Assert.False(adapter.TryRead(out _));
        device.NotAnswering = false;

        Assert.True(adapter.TryRead(out var reading));
        Assert.Equal(1000.0, reading[0], 1e-9);
    }
}
