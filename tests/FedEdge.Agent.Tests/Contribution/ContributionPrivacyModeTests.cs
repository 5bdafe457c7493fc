using FedEdge.Device.Contribution;
using FedEdge.Device.Privacy;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Privacy;
using FedEdge.Protocol.Wire;

namespace FedEdge.Agent.Tests.Contribution;

public sealed class ContributionPrivacyModeTests
{
    [Fact]
    public async Task Sample_level_DP_charges_the_subsampled_Gaussian_over_all_local_steps()
    {
        using var fixture = new ContributionFixture(privacy: ContributionPrivacy.SampleLevel, epsilonBudget: 50);
        var result = await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(200), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);
        // batch 16 of n = 200 → q = 0.08; 2 epochs → ⌈2 / 0.08⌉ = 25 Poisson-sampled steps.
        Assert.Equal(25, result.Steps);
        var entry = Assert.Single(fixture.Ledger.Entries);
        Assert.Equal(MechanismKind.DpSgd, entry.Kind);
        double expected = new RdpAccountant().GetPrivacySpent(new SubsampledGaussian(0.08, 1.0, 25), 1e-5).Epsilon;
        Assert.Equal(expected, fixture.Ledger.Spent().Epsilon, 1e-9);

        var update = ModelUpdate.Parser.ParseFrom(Assert.Single(await fixture.WaitingAsync()).Payload.Span);
        Assert.Equal(DpMechanism.SampleLevelGaussian, update.Dp.Mechanism);
        Assert.Equal(0.08, update.Dp.SamplingRate, 12);
        Assert.Equal(25ul, update.Dp.Steps);
        var intake = fixture.Engine.Receive(TopicOf(update), Google.Protobuf.MessageExtensions.ToByteArray(update));
        Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
    }

    [Fact]
    public async Task Sample_level_DP_stops_within_one_step_when_eligibility_ends()
    {
        using var fixture = new ContributionFixture(privacy: ContributionPrivacy.SampleLevel, epsilonBudget: 50);
        int checks = 0;
        var result = await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(200), () => ++checks <= 7, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Interrupted, result.Outcome);
        Assert.Equal(7, result.Steps);
        Assert.Empty(fixture.Ledger.Entries);
        Assert.Empty(await fixture.WaitingAsync());
    }

    [Fact]
    public async Task Without_DP_nothing_is_charged_and_the_update_says_so()
    {
        using var fixture = new ContributionFixture(privacy: ContributionPrivacy.None, epsilonBudget: 0.01);
        var result = await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);
        Assert.Empty(fixture.Ledger.Entries);
        var update = ModelUpdate.Parser.ParseFrom(Assert.Single(await fixture.WaitingAsync()).Payload.Span);
        Assert.Equal(DpMechanism.None, update.Dp.Mechanism);
        Assert.True(fixture.Engine.Receive(TopicOf(update), Google.Protobuf.MessageExtensions.ToByteArray(update)).Verdict.Kind == IntakeOutcome.Accepted);
    }

    [Fact]
    public async Task A_joined_check_in_round_is_released_without_a_second_charge_and_declares_q()
    {
        const double q = 0.999999999; // the coin says yes except with probability 1e-9
        using var fixture = new ContributionFixture(epsilonBudget: 50, checkInRate: q);
        var model = fixture.CurrentModel();
        Assert.Equal(CheckInOutcome.Joined, fixture.CheckIn.Offer(model.Version));
        double charged = fixture.Ledger.Spent().Epsilon;

        var result = await fixture.Runner.RunAsync(model, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);
        Assert.Equal([MechanismKind.CheckInOffer, MechanismKind.CheckInJoin], fixture.Ledger.Entries.Select(e => e.Kind));
        Assert.Equal(charged, fixture.Ledger.Spent().Epsilon);
        Assert.Equal(new RdpAccountant().GetPrivacySpent(new SubsampledGaussian(1.0, 1.0, 1), 1e-5).Epsilon, fixture.Ledger.SpentAgainstAggregator().Epsilon, 1e-9);
        var update = ModelUpdate.Parser.ParseFrom(Assert.Single(await fixture.WaitingAsync()).Payload.Span);
        Assert.Equal(q, update.Dp.SamplingRate);
        var intake = fixture.Engine.Receive(TopicOf(update), Google.Protobuf.MessageExtensions.ToByteArray(update));
        Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
    }

    [Fact]
    public async Task A_round_the_coin_declined_is_never_trained()
    {
        using var fixture = new ContributionFixture(epsilonBudget: 50, checkInRate: 1e-12);
        var model = fixture.CurrentModel();
        Assert.Equal(CheckInOutcome.Declined, fixture.CheckIn.Offer(model.Version));

        await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Runner.RunAsync(model, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken));

        Assert.Equal(MechanismKind.CheckInOffer, Assert.Single(fixture.Ledger.Entries).Kind);
        Assert.Empty(await fixture.WaitingAsync());
    }

    [Fact]
    public void The_sample_level_mechanism_follows_the_local_set_size()
    {
        using var fixture = new ContributionFixture(privacy: ContributionPrivacy.SampleLevel);
        var small = fixture.Runner.SampleLevelMechanism(16);
        var large = fixture.Runner.SampleLevelMechanism(1600);
        Assert.Equal(1.0, small.SamplingRate);
        Assert.Equal(2, small.Steps);
        Assert.Equal(0.01, large.SamplingRate, 12);
        Assert.Equal(200, large.Steps);
    }

    private static string TopicOf(ModelUpdate update) => FedEdge.Protocol.Topics.TopicScheme.Updates(update.Fleet, update.DeviceId);
}
