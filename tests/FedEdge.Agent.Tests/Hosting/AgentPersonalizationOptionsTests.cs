using FedEdge.Device.Configuration;
using System.Text;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Personalization;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Agent.Tests.Hosting;

public sealed class AgentPersonalizationOptionsTests
{
    [Fact]
    public void Binding_reads_the_personalization_section_and_maps_it_to_the_library_options()
    {
        const string json = """
            { "Agent": { "DeviceId": "dev-1", "StateDirectory": "/var/lib/x", "Mqtt": { "Host": "b", "UseTls": false },
              "Personalization": { "Mode": "ditto", "ProximalLambda": 0.5, "Epochs": 2, "LearningRate": 0.01,
                                   "MinValidationSamples": 30, "CheckInterval": "00:05:00" } } }
            """;
        var options = Bind(json);

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        var library = options.Personalization.ToPersonalizationOptions(options.StateDirectory, 1);
        Assert.Equal(PersonalizationMode.Ditto, library.Mode);
        Assert.Equal(0.5f, library.ProximalLambda);
        Assert.Equal(2, library.LocalEpochs);
        Assert.Equal(0.01f, library.LearningRate);
        Assert.Equal(30, library.MinValidationSamples);
        Assert.Equal(Path.Combine("/var/lib/x", "artifacts"), library.ArtifactsDirectory);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Personalization.CheckInterval);
    }

    [Fact]
    public void Personalization_chooses_among_all_candidates_unless_configured_otherwise()
    {
        var options = Bind("""{ "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false } } }""");

        Assert.Equal(PersonalizationMode.Auto, options.Personalization.Mode);
        Assert.True(new AgentOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void The_cross_validation_keys_reach_the_library_and_one_fold_is_refused_naming_the_section()
    {
        var options = Bind("""{ "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false }, "Personalization": { "CrossValidationFolds": 3, "CrossValidationBelow": 80 } } }""");
        Assert.True(new AgentOptionsValidator().Validate(null, options).Succeeded);
        var library = options.Personalization.ToPersonalizationOptions("/var/lib/x", 1);
        Assert.Equal(3, library.CrossValidationFolds);
        Assert.Equal(80, library.CrossValidationBelow);

        var defaults = Bind("""{ "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false } } }""").Personalization.ToPersonalizationOptions("/var/lib/x", 1);
        Assert.Equal(5, defaults.CrossValidationFolds);
        Assert.Equal(50, defaults.CrossValidationBelow);

        var oneFold = Bind("""{ "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false }, "Personalization": { "CrossValidationFolds": 1 } } }""");
        var result = new AgentOptionsValidator().Validate(null, oneFold);
        Assert.True(result.Failed);
        Assert.Contains("Agent:Personalization", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("CrossValidationFolds", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Personalization_mode_none_turns_it_off()
    {
        var options = Bind("""{ "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false }, "Personalization": { "Mode": "none" } } }""");

        Assert.Equal(PersonalizationMode.None, options.Personalization.Mode);
        Assert.True(new AgentOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_names_the_personalization_key_when_the_validation_bounds_contradict_each_other()
    {
        var options = Bind("""{ "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false }, "Personalization": { "Mode": "head", "MinValidationSamples": 50, "MaxValidationSamples": 10 } } }""");

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Agent:Personalization", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("MaxValidationSamples", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_names_an_out_of_range_personalization_setting()
    {
        var options = Bind("""{ "Agent": { "DeviceId": "dev-1", "Mqtt": { "Host": "b", "UseTls": false }, "Personalization": { "Mode": "head", "Epochs": 0 } } }""");

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Epochs", result.FailureMessage, StringComparison.Ordinal);
    }

    private static AgentOptions Bind(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
        var options = new AgentOptions();
        configuration.GetSection("Agent").Bind(options);
        AgentOptions.ApplyDefaults(options);
        return options;
    }
}
