using System.Text;
using FedEdge.Agent.Hosting;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Agent.Tests.Hosting;

public sealed class AgentOptionsBindingTests
{
    [Fact]
    public void Binding_reads_the_sampling_sensor_list_and_prediction_settings_from_json()
    {
        const string json = """
            { "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false },
              "Prediction": { "Interval": "00:00:30", "DiscoveryPrefix": "ha" },
              "Sampling": { "Sensors": [ "bme280@0x77", "pir@17" ], "I2cBus": 3 } } }
            """;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
        var options = new AgentOptions();
        configuration.GetSection("Agent").Bind(options);
        AgentOptions.ApplyDefaults(options);

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(["bme280@0x77", "pir@17"], options.Sampling.Sensors);
        Assert.Equal(3, options.Sampling.I2cBus);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Prediction.Interval);
        Assert.Equal("ha", options.Prediction.DiscoveryPrefix);
    }

    [Fact]
    public void Validate_names_the_sampling_key_of_a_bad_sensor_entry()
    {
        var options = new AgentOptions { DeviceId = "dev-1", Sampling = new() { Sensors = ["dht22"] } };
        options.Mqtt.Host = "b";
        options.Mqtt.UseTls = false;
        AgentOptions.ApplyDefaults(options);

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Agent:Sampling", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("dht22", result.FailureMessage, StringComparison.Ordinal);
    }
}
