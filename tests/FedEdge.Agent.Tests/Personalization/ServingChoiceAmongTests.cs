using FedEdge.Device.Personalization;

namespace FedEdge.Agent.Tests.Personalization;

/// <summary>The serving rule among the global model and several personal candidates (<see cref="ServingChoice.DecideAmong"/>).</summary>
public class ServingChoiceAmongTests
{
    private static CandidateScore Global(double accuracy, double loss = 1.0) => new(PersonalCandidate.GlobalName, accuracy, loss);

    private static CandidateScore[] Candidates(params double[] accuracies) =>
        [.. accuracies.Select((a, i) => new CandidateScore($"c{i}", a, 1.0))];

    [Fact]
    public void A_candidate_clearly_better_on_validation_is_served()
    {
        // global 0.30 vs c1 0.90 on 40 samples: margin = √((0.9·0.1 + 0.3·0.7)/40) ≈ 0.087, lead 0.60
        var choice = ServingChoice.DecideAmong(Global(0.30), Candidates(0.50, 0.90, 0.60), 40, 5);

        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(1, choice.ServedIndex);
        Assert.Equal("c1", choice.ServedName);
        Assert.Equal(0.90, choice.PersonalAccuracy);
        Assert.Equal(0.30, choice.GlobalAccuracy);
    }

    [Fact]
    public void A_near_tie_keeps_the_global_incumbent()
    {
        // 22/24 vs 21/24: margin ≈ 0.088 > 0.042 (the same figures as the two-model rule's test)
        var choice = ServingChoice.DecideAmong(Global(21.0 / 24), Candidates(20.0 / 24, 22.0 / 24), 24, 5);

        Assert.Equal(ServedModel.Global, choice.Served);
        Assert.Equal(PersonalModelSet.GlobalServed, choice.ServedIndex);
        Assert.Equal(PersonalCandidate.GlobalName, choice.ServedName);
        Assert.Contains("does not lead", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_near_tie_keeps_a_personal_incumbent_instead_of_flapping_to_another_candidate()
    {
        // c0 serves at 34/40; c1 scores 35/40 this time: margin ≈ 0.077 > 0.025
        var choice = ServingChoice.DecideAmong(Global(0.20), Candidates(34.0 / 40, 35.0 / 40), 40, 5, incumbent: 0);

        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(0, choice.ServedIndex);
    }

    [Fact]
    public void A_near_tie_with_the_global_model_keeps_a_personal_incumbent()
    {
        var choice = ServingChoice.DecideAmong(Global(36.0 / 40), Candidates(35.0 / 40), 40, 5, incumbent: 0);

        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(0, choice.ServedIndex);
    }

    [Fact]
    public void A_global_model_that_clearly_leads_the_personal_incumbent_takes_over()
    {
        var choice = ServingChoice.DecideAmong(Global(0.95), Candidates(0.60, 0.70), 40, 5, incumbent: 1);

        Assert.Equal(ServedModel.Global, choice.Served);
        Assert.Equal(PersonalModelSet.GlobalServed, choice.ServedIndex);
    }

    [Fact]
    public void Another_candidate_that_clearly_leads_the_personal_incumbent_takes_over()
    {
        var choice = ServingChoice.DecideAmong(Global(0.10), Candidates(0.50, 0.95), 40, 5, incumbent: 0);

        Assert.Equal(1, choice.ServedIndex);
        Assert.Contains("c1 leads the served c0", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_than_the_minimum_validation_samples_keeps_the_global_model_even_against_a_personal_incumbent()
    {
        var choice = ServingChoice.DecideAmong(Global(0.0), Candidates(1.0, 1.0), 4, 5, incumbent: 0);

        Assert.Equal(ServedModel.Global, choice.Served);
        Assert.Equal(PersonalModelSet.GlobalServed, choice.ServedIndex);
        Assert.Contains("at least 5", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidates_with_equal_accuracy_are_ranked_by_validation_loss()
    {
        CandidateScore[] personal = [new("c0", 0.9, 0.40), new("c1", 0.9, 0.25), new("c2", 0.9, 0.30)];

        var choice = ServingChoice.DecideAmong(Global(0.2), personal, 50, 5);

        Assert.Equal(1, choice.ServedIndex);
    }

    [Fact]
    public void An_exact_tie_between_candidates_goes_to_the_earlier_one()
    {
        var choice = ServingChoice.DecideAmong(Global(0.2), Candidates(0.9, 0.9), 50, 5);

        Assert.Equal(0, choice.ServedIndex);
    }

    [Fact]
    public void An_incumbent_index_outside_the_candidates_counts_as_the_global_model()
    {
        var choice = ServingChoice.DecideAmong(Global(0.9), Candidates(0.91), 50, 5, incumbent: 7);

        Assert.Equal(ServedModel.Global, choice.Served);
    }

    private static CandidateScore[] HeadDittoLocal(double head, double ditto, double localOnly) =>
        [new("head", head, 1.0), new("ditto:0.01", ditto, 1.0), new(PersonalCandidate.LocalOnlyName, localOnly, 1.0)];

    [Fact]
    public void A_candidate_built_on_the_global_model_within_the_margin_of_local_only_loses_to_local_only()
    {
        // ditto 37/40 vs local-only 36/40: margin = max(√((0.925·0.075 + 0.9·0.1)/40), 1/40) ≈ 0.0631 > lead 0.025;
        // both clearly lead the noisy global incumbent (0.55), so the home learns alone
        var choice = ServingChoice.DecideAmong(Global(0.55), HeadDittoLocal(30.0 / 40, 37.0 / 40, 36.0 / 40), 40, 5);

        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(2, choice.ServedIndex);
        Assert.Equal(PersonalCandidate.LocalOnlyName, choice.ServedName);
    }

    [Fact]
    public void A_candidate_built_on_the_global_model_that_clearly_leads_local_only_is_served()
    {
        // head 38/40 vs local-only 32/40: margin = √((0.95·0.05 + 0.8·0.2)/40) ≈ 0.0720 < lead 0.15
        var choice = ServingChoice.DecideAmong(Global(0.55), HeadDittoLocal(38.0 / 40, 33.0 / 40, 32.0 / 40), 40, 5);

        Assert.Equal(0, choice.ServedIndex);
        Assert.Equal("head", choice.ServedName);
    }

    [Fact]
    public void The_global_model_is_not_held_to_the_local_only_floor()
    {
        // global 37/40 leads local-only 36/40 by less than the margin and stays served (ties and thin evidence go to it)
        var choice = ServingChoice.DecideAmong(Global(37.0 / 40), HeadDittoLocal(30.0 / 40, 35.0 / 40, 36.0 / 40), 40, 5);

        Assert.Equal(ServedModel.Global, choice.Served);
    }

    [Theory]
    [InlineData(0.80, 0.95, 40, 20)]
    [InlineData(21.0 / 24, 22.0 / 24, 24, 5)]
    [InlineData(0.9, 0.9, 100, 20)]
    [InlineData(0.5, 1.0, 19, 20)]
    [InlineData(0.2, 0.6, 10, 5)]
    public void With_one_candidate_and_the_global_incumbent_it_decides_as_the_two_model_rule(double global, double personal, int n, int min)
    {
        var two = ServingChoice.Decide(global, personal, n, min);
        var among = ServingChoice.DecideAmong(Global(global), Candidates(personal), n, min);

        Assert.Equal(two.Served, among.Served);
    }
}
