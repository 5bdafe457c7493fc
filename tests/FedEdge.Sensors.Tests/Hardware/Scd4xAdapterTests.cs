using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

// The binding waits for its 5 s measurement period on Environment.TickCount (not injectable), so
// each test here takes ≈ 5.5 s; the two live in separate classes so xunit runs them in parallel.
public class Scd4xAdapterTests
{
    [Fact]
    public void TryRead_returns_the_co2_word_when_its_crc_is_valid()
    {
        var device = new Scd4xDevice { Co2Ppm = 873 };
        using var adapter = new Scd4xAdapter(device, new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        Assert.Equal(873.0, reading[0]);
        Assert.True(device.Measuring);
    }
}
