using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

public class Bme280AdapterTests
{
    [Fact]
    public void TryRead_returns_the_datasheet_temperature_for_the_worked_example()
    {
        using var adapter = new Bme280Adapter(new Bme280RegisterDevice(), new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        // Bosch BME280 datasheet §8.1 (double compensation): T = 25.08 °C for adc_T = 519888; the
        // datasheet prints two decimals, so the tolerance is half a unit of the last digit.
        Assert.Equal(25.08, reading[0], 0.005);
    }

    [Fact]
    public void TryRead_returns_the_datasheet_pressure_for_the_worked_example()
    {
        using var adapter = new Bme280Adapter(new Bme280RegisterDevice(), new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        // Datasheet §8.1: p = 100653.27 Pa for adc_P = 415148 (printed to 0.01 Pa).
        Assert.Equal(100653.27, reading[2], 0.005);
    }

    [Fact]
    public void TryRead_returns_the_humidity_of_the_datasheet_integer_formula()
    {
        using var adapter = new Bme280Adapter(new Bme280RegisterDevice(), new FakeTimeProvider());

        Assert.True(adapter.TryRead(out var reading));

        // The binding uses the double formula; the reference is the datasheet's 32-bit integer
        // formula (§4.2.3, bme280_compensate_H_int32), a different algorithm, Q22.10 %RH. The integer
        // version truncates at several steps; 0.05 %RH covers that.
        double expected = IntegerHumidityPercent();
        Assert.InRange(expected, 1, 99);
        Assert.Equal(expected, reading[1], 0.05);
    }

    [Fact]
    public void Reading_is_stamped_with_the_injected_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var adapter = new Bme280Adapter(new Bme280RegisterDevice(), clock);

        Assert.True(adapter.TryRead(out var reading));

        Assert.Equal(clock.GetUtcNow(), reading.Timestamp);
    }

    [Fact]
    public void Wrong_chip_id_is_a_failed_read_not_an_exception()
    {
        using var adapter = new Bme280Adapter(new Bme280RegisterDevice(chipId: 0x58), new FakeTimeProvider());

        Assert.False(adapter.TryRead(out _));

        Assert.Contains("id", adapter.Health.LastError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Dispose_disposes_the_device_exactly_once_after_reads()
    {
        var device = new Bme280RegisterDevice();
        var adapter = new Bme280Adapter(device, new FakeTimeProvider());
        adapter.TryRead(out _);

        adapter.Dispose();
        adapter.Dispose();

        Assert.Equal(1, device.DisposeCount);
    }

    [Fact]
    public void Dispose_disposes_the_device_when_the_binding_was_never_built()
    {
        var device = new Bme280RegisterDevice();
        var adapter = new Bme280Adapter(device, new FakeTimeProvider());

        adapter.Dispose();

        Assert.Equal(1, device.DisposeCount);
    }

    [Fact]
    public void TryRead_after_dispose_throws_ObjectDisposedException()
    {
        var adapter = new Bme280Adapter(new Bme280RegisterDevice(), new FakeTimeProvider());
        adapter.Dispose();

        Assert.Throws<ObjectDisposedException>(() => adapter.TryRead(out _));
    }

    private static double IntegerHumidityPercent()
    {
        const int digT1 = 27504, digT2 = 26435, digT3 = -1000;
        int adcT = Bme280RegisterDevice.AdcT;
        int var1 = (((adcT >> 3) - (digT1 << 1)) * digT2) >> 11;
        int var2 = (((((adcT >> 4) - digT1) * ((adcT >> 4) - digT1)) >> 12) * digT3) >> 14;
        int tFine = var1 + var2;

        int adcH = Bme280RegisterDevice.AdcH;
        int h1 = Bme280RegisterDevice.DigH1, h2 = Bme280RegisterDevice.DigH2, h3 = Bme280RegisterDevice.DigH3;
        int h4 = Bme280RegisterDevice.DigH4, h5 = Bme280RegisterDevice.DigH5, h6 = Bme280RegisterDevice.DigH6;
        int x = tFine - 76800;
        x = ((((adcH << 14) - (h4 << 20) - (h5 * x)) + 16384) >> 15)
            * (((((((x * h6) >> 10) * (((x * h3) >> 11) + 32768)) >> 10) + 2097152) * h2 + 8192) >> 14);
        x -= ((((x >> 15) * (x >> 15)) >> 7) * h1) >> 4;
        x = Math.Clamp(x, 0, 419430400);
        return (x >> 12) / 1024.0;
    }
}
