using FedEdge.Device.Personalization;

namespace FedEdge.Agent.Tests.Personalization;

public class PersonalizationOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        new PersonalizationOptions { ArtifactsDirectory = "/var/lib/fededge/artifacts", Mode = PersonalizationMode.Ditto }.Validate();
    }

    [Fact]
    public void Validate_names_every_invalid_setting_in_one_message()
    {
        var options = new PersonalizationOptions
        {
            ArtifactsDirectory = " ",
            ProximalLambda = -1,
            LocalEpochs = 0,
            ValidationFraction = 0.9,
            MinValidationSamples = 0,
        };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        foreach (string name in new[] { "ProximalLambda", "LocalEpochs", "ValidationFraction", "MinValidationSamples", "ArtifactsDirectory" })
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }
}
