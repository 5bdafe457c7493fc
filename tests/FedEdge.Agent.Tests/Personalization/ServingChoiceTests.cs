using FedEdge.Device.Personalization;

namespace FedEdge.Agent.Tests.Personalization;

public class ServingChoiceTests
{
    [Fact]
    public void The_personal_model_is_served_when_better_by_more_than_the_margin_on_enough_samples()
    {
        // margin = √((0.95·0.05 + 0.80·0.20)/40) = √(0.2075/40) ≈ 0.0720 < 0.15
        var choice = ServingChoice.Decide(0.80, 0.95, 40, 20);

        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(0.80, choice.GlobalAccuracy);
        Assert.Equal(0.95, choice.PersonalAccuracy);
        Assert.Equal(40, choice.ValidationCount);
    }

    [Fact]
    public void A_lead_within_the_margin_keeps_the_global_model()
    {
        // 22/24 vs 21/24: margin = √((0.9167·0.0833 + 0.875·0.125)/24) ≈ 0.0880 > 0.0417
        Assert.Equal(ServedModel.Global, ServingChoice.Decide(21.0 / 24, 22.0 / 24, 24, 5).Served);
    }

    [Theory]
    // hand-computed: √((p(1−p) + g(1−g))/n), floored at 1/n
    [InlineData(0.80, 0.95, 40, 0.0720243)]
    [InlineData(0.875, 22.0 / 24, 24, 0.0879782)]
    [InlineData(1.0, 1.0, 50, 0.02)]
    [InlineData(0.5, 0.5, 10_000, 0.0070711)]
    public void The_margin_is_one_unpaired_standard_error_of_the_difference_and_at_least_one_sample(double global, double personal, int n, double expected)
    {
        Assert.Equal(expected, ServingChoice.Margin(global, personal, n), 6);
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
