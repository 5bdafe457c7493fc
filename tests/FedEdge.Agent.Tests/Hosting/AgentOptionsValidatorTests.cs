using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.Agent.Hosting;
using FedEdge.Core.Codecs;

namespace FedEdge.Agent.Tests.Hosting;

public sealed class AgentOptionsValidatorTests
{
    private static AgentOptions Valid()
    {
        var options = new AgentOptions { DeviceId = "dev-1" };
        options.Mqtt.Host = "broker.local";
        options.Mqtt.UseTls = false;
        AgentOptions.ApplyDefaults(options);
        return options;
    }

    [Fact]
    public void Validate_accepts_a_complete_configuration_and_derives_the_client_id_from_the_device_id()
    {
        var options = Valid();

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("dev-1", options.Mqtt.ClientId);
    }

    [Fact]
    public void Validate_names_the_nested_key_of_an_out_of_range_privacy_setting()
    {
        var options = Valid();
        options.Privacy.Epsilon = -1;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Privacy.Epsilon", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Validate_refuses_a_check_in_rate_outside_zero_to_one(double rate)
    {
        var options = Valid();
        options.Privacy.CheckInRate = rate;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Agent:Privacy:CheckInRate must be in (0, 1]", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_refuses_check_ins_with_sample_level_DP_and_accepts_them_with_user_level_DP()
    {
        var options = Valid();
        options.Privacy.CheckInRate = 0.1;
        Assert.True(new AgentOptionsValidator().Validate(null, options).Succeeded);

        options.Privacy.Mode = ContributionPrivacy.SampleLevel;
        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("CheckInRate below 1 needs Mode = UserLevel", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_refuses_a_codec_with_distributed_DP_naming_it()
    {
        var options = Valid();
        options.Privacy.Mode = ContributionPrivacy.Distributed;
        Assert.True(new AgentOptionsValidator().Validate(null, options).Succeeded);

        options.Codec = FedEdge.Core.Codecs.UpdateEncoding.TopKSparse;
        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("TopKSparse does not apply with Agent:Privacy:Mode = Distributed", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_invalid_eligibility_options_under_their_key()
    {
        var options = Valid();
        options.Eligibility = new() { IdleLoadThreshold = 5 };

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Eligibility", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("IdleLoadThreshold", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_refuses_the_sparse_subset_codec_as_a_configured_codec()
    {
        var options = Valid();
        options.Codec = UpdateEncoding.SparseSubset;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Codec", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_requires_the_pin_of_a_gpio_power_source()
    {
        var options = Valid();
        options.Power.Source = PowerSourceKind.Gpio;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Agent:Power:GpioPin must be set", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kitchen.pi")] // looks like a host name; not a wire identifier, so its updates could not be addressed
    [InlineData("kitchen/pi")]
    [InlineData("kitchen pi")]
    public void Validate_refuses_a_device_id_outside_the_wire_rule(string deviceId)
    {
        var options = Valid();
        options.DeviceId = deviceId;
        options.Mqtt.ClientId = deviceId;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Agent:DeviceId has a character outside [A-Za-z0-9_-]", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aggregator")]
    [InlineData("homeassistant")]
    public void Validate_refuses_a_reserved_broker_identity_as_device_id(string deviceId)
    {
        var options = Valid();
        options.DeviceId = deviceId;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("is reserved", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_refuses_a_device_that_would_release_updates_without_privacy()
    {
        var options = Valid();
        options.Privacy.Mode = ContributionPrivacy.None;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Agent:Privacy:Mode must be UserLevel, SampleLevel or Distributed", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_accepts_sample_level_privacy()
    {
        var options = Valid();
        options.Privacy.Mode = ContributionPrivacy.SampleLevel;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
