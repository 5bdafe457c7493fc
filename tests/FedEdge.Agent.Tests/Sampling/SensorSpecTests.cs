using FedEdge.Device.Sampling;

namespace FedEdge.Agent.Tests.Sampling;

public sealed class SensorSpecTests
{
    [Theory]
    [InlineData("bme280", "bme280", 0x76)]
    [InlineData("BME280@0x77", "bme280", 0x77)]
    [InlineData("scd4x", "scd4x", 0x62)]
    [InlineData("ina219@64", "ina219", 0x40)]
    [InlineData("pir@17", "pir", 17)]
    [InlineData("door@27", "door", 27)]
    public void TryParse_reads_kind_and_location_with_the_breakouts_default_address(string text, string kind, int location)
    {
        Assert.True(SensorSpec.TryParse(text, out var spec, out string? problem), problem);
        Assert.Equal(new SensorSpec(kind, location), spec);
    }

    [Theory]
    [InlineData("pir", "GPIO pin")]
    [InlineData("bme280@0x80", "I2C address")]
    [InlineData("bme280@0x7", "I2C address")]
    [InlineData("dht22", "kind one of")]
    [InlineData("bme280@1@2", "kind one of")]
    [InlineData(" ", "empty")]
    public void TryParse_names_the_problem_of_a_bad_entry(string text, string expected)
    {
        Assert.False(SensorSpec.TryParse(text, out var spec, out string? problem));
        Assert.Null(spec);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SamplingOptions_Validate_names_every_bad_sensor_entry()
    {
        var options = new SamplingOptions { Sensors = ["bme280", "pir", "dht22"] };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("\"pir\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"dht22\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SamplingOptions_Validate_refuses_a_read_interval_longer_than_the_window()
    {
        var options = new SamplingOptions { ReadInterval = TimeSpan.FromMinutes(10), WindowLength = TimeSpan.FromMinutes(5) };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("ReadInterval", ex.Message, StringComparison.Ordinal);
    }
}
