using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

// Separate class from Scd4xAdapterTests so xunit runs the two ≈ 5.5 s SCD4x tests in parallel.
public class Scd4xCrcTests
{
    [Fact]
    public void Fake_crc_matches_the_datasheet_example()
    {
        // Sensirion SCD4x datasheet §3.11: CRC-8 of 0xBEEF is 0x92.
        Assert.Equal(0x92, Scd4xDevice.Crc8(0xBEEF));
    }

    [Fact]
    public void A_co2_word_with_a_bad_crc_is_a_failed_read()
    {
        var device = new Scd4xDevice { Co2Ppm = 600, CorruptCo2Crc = true };
        using var adapter = new Scd4xAdapter(device, new FakeTimeProvider());

        Assert.False(adapter.TryRead(out _));

        Assert.Contains("CRC", adapter.Health.LastError, StringComparison.Ordinal);
    }
}
