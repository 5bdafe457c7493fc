using FedEdge.Agent.Personalization;

namespace FedEdge.Agent.Tests.Personalization;

public class ServingChoiceTests
{
    [Fact]
    public void The_personal_model_is_served_when_strictly_better_on_enough_samples()
    {
        var choice = ServingChoice.Decide(0.80, 0.85, 40, 20);

        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(0.80, choice.GlobalAccuracy);
        Assert.Equal(0.85, choice.PersonalAccuracy);
        Assert.Equal(40, choice.ValidationCount);
    }

    [Fact]
    public void A_tie_goes_to_the_global_model()
    {
        Assert.Equal(ServedModel.Global, ServingChoice.Decide(0.9, 0.9, 100, 20).Served);
    }

    [Fact]
    public void Below_the_minimum_validation_size_the_global_model_is_served_whatever_the_accuracies()
    {
        var choice = ServingChoice.Decide(0.5, 1.0, 19, 20);

        Assert.Equal(ServedModel.Global, choice.Served);
        Assert.Contains("at least 20", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_personal_accuracy_serves_the_global_model()
    {
        Assert.Equal(ServedModel.Global, ServingChoice.Decide(0.7, double.NaN, 50, 20).Served);
    }
}
