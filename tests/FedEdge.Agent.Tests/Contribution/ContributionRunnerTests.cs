using FedEdge.Device.Contribution;
using FedEdge.Device.Privacy;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Codecs;
using FedEdge.Protocol.Wire;

namespace FedEdge.Agent.Tests.Contribution;

public sealed class ContributionRunnerTests
{
    [Theory]
    [InlineData(UpdateEncoding.Float16)]
    [InlineData(UpdateEncoding.Int8Stochastic)]
    public async Task RunAsync_enqueues_an_update_the_real_aggregation_engine_accepts(UpdateEncoding codec)
    {
        using var fixture = new ContributionFixture(codec: codec);

        var result = await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);
        var entry = Assert.Single(await fixture.WaitingAsync());
        Assert.True(entry.UpdateId.Span.SequenceEqual(result.UpdateId.Span));
        var intake = fixture.Engine.Receive(entry.Topic, entry.Payload.Span);
        Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
    }

    [Fact]
    public async Task RunAsync_sends_only_the_assigned_ftte_subset_and_the_engine_accepts_it()
    {
        using var fixture = new ContributionFixture(StrategyKind.Ftte);
        var model = fixture.CurrentModel();
        Assert.NotEmpty(model.Subsets);

        var result = await fixture.Runner.RunAsync(model, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);
        var entry = Assert.Single(await fixture.WaitingAsync());
        var intake = fixture.Engine.Receive(entry.Topic, entry.Payload.Span);
        Assert.True(intake.Verdict.Kind == IntakeOutcome.Accepted, intake.Verdict.ToString());
        Assert.Equal(model.Subsets[0].SubsetId, intake.Verdict.Update!.SubsetId);
    }

    [Fact]
    public async Task RunAsync_records_one_user_level_release_in_the_ledger_per_update()
    {
        using var fixture = new ContributionFixture();
        var model = fixture.CurrentModel();

        await fixture.Runner.RunAsync(model, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        var entry = Assert.Single(fixture.Ledger.Entries);
        Assert.Equal(MechanismKind.UserLevelGaussian, entry.Kind);
        Assert.Equal((long)model.Version, entry.ModelVersion);
    }

    [Fact]
    public async Task RunAsync_refuses_without_training_when_the_ledger_cannot_afford_the_update()
    {
        // One Gaussian release with z = 1 costs ε ≈ 5 at δ = 1e-5 (Balle et al. 2018), far above 0.5.
        using var fixture = new ContributionFixture(epsilonBudget: 0.5);
        int eligibilityChecks = 0;

        var result = await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(), () => ++eligibilityChecks > 0, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.BudgetExhausted, result.Outcome);
        Assert.Equal(0, eligibilityChecks);
        Assert.Empty(fixture.Ledger.Entries);
        Assert.Empty(await fixture.WaitingAsync());
    }

    [Fact]
    public async Task RunAsync_stops_within_one_step_when_the_device_stops_being_eligible()
    {
        using var fixture = new ContributionFixture();
        int checks = 0;

        var result = await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(), () => ++checks <= 3, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Interrupted, result.Outcome);
        Assert.Equal(3, result.Steps);
        Assert.Equal(4, checks);
        Assert.Empty(fixture.Ledger.Entries);
        Assert.Empty(await fixture.WaitingAsync());
    }

    [Fact]
    public async Task RunAsync_reports_an_incompatible_model_when_the_features_do_not_match()
    {
        using var fixture = new ContributionFixture();
        var model = fixture.CurrentModel();
        model.Architecture = "mlp-10-8-5";

        var result = await fixture.Runner.RunAsync(model, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.IncompatibleModel, result.Outcome);
        Assert.Empty(fixture.Ledger.Entries);
    }

    [Fact]
    public async Task RunAsync_generates_the_training_artifacts_once_per_architecture()
    {
        using var fixture = new ContributionFixture();
        var model = fixture.CurrentModel();
        await fixture.Runner.RunAsync(model, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);
        string checkpoint = Assert.Single(Directory.GetFiles(fixture.ArtifactsDirectory, "checkpoint", SearchOption.AllDirectories));
        var written = File.GetLastWriteTimeUtc(checkpoint);
        File.SetLastWriteTimeUtc(checkpoint, written.AddHours(-1));

        var second = await fixture.Runner.RunAsync(model, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, second.Outcome);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(checkpoint));
        Assert.Equal(2, (await fixture.WaitingAsync()).Count);
    }

    [Fact]
    public async Task RunAsync_reports_the_ledgers_cumulative_spend_in_the_update()
    {
        using var fixture = new ContributionFixture();

        await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        var entry = Assert.Single(await fixture.WaitingAsync());
        Assert.True(new WireParser().ParseModelUpdate(entry.Payload.Span).TryGet(out var update, out string reason), reason);
        Assert.Equal(fixture.Ledger.Spent().Epsilon, update.PrivacySpent.Epsilon);
        Assert.Equal(DpMechanism.UserLevelGaussian, update.Dp.Mechanism);
        Assert.Equal(1.0, update.Dp.SamplingRate);
        Assert.Equal(1UL, update.Dp.Steps);
    }
}
