using FedEdge.Device.Personalization;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Agent.Tests.Personalization;

/// <summary>Auto mode on the device that only sees digits 3, 5 and 8 (<see cref="NonIidDigits"/>).</summary>
public class AutoPersonalizationTests : IClassFixture<NonIidDigits>
{
    private readonly NonIidDigits _digits;

    public AutoPersonalizationTests(NonIidDigits digits)
    {
        _digits = digits;
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Auto_keeps_one_model_per_candidate_in_a_fixed_order()
    {
        using var personalizer = new Personalizer(_digits.Options(PersonalizationMode.Auto), new Random(3), NullLogger.Instance);

        var set = personalizer.RebaseAll(null, _digits.Architecture, _digits.Global, 1);

        Assert.Equal(["ditto:1", "ditto:0.1", "ditto:0.01", "head", "local-only"], set.Models.Select(m => m.Candidate.Name));
        Assert.Equal(PersonalModelSet.GlobalServed, set.Served);
    }

    [Fact]
    public void The_local_only_candidate_starts_from_seeded_initial_weights_not_from_the_global_model()
    {
        using var personalizer = new Personalizer(_digits.Options(PersonalizationMode.Auto), new Random(3), NullLogger.Instance);
        var set = personalizer.RebaseAll(null, _digits.Architecture, _digits.Global, 1);
        var local = set.Find(PersonalCandidate.Of(PersonalizationMode.LocalOnly))!;

        Assert.NotEqual(_digits.Global.Buffer, local.Parameters.Buffer);
        Assert.Equal(_digits.Global.Buffer.Length, local.Parameters.Buffer.Length);
    }

    [Fact]
    public void Auto_trains_every_candidate_and_serves_one_that_beats_the_global_model()
    {
        using var personalizer = new Personalizer(_digits.Options(PersonalizationMode.Auto), new Random(3), NullLogger.Instance);
        var split = personalizer.Split.Split(_digits.DeviceSamples);
        var set = personalizer.RebaseAll(null, _digits.Architecture, _digits.Global, 1);

        var result = personalizer.TrainAll(set, _digits.Global, split.Train, cancellationToken: Token);
        var choice = personalizer.ChooseAmong(set, _digits.Global, split.Validation);

        Assert.Equal(PersonalTrainingOutcome.Trained, result.Outcome);
        Assert.All(set.Models, m => Assert.True(m.LocalSteps > 0, m.Candidate.Name));
        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(choice.ServedIndex, set.Served);
        Assert.Equal(set.Models[set.Served].Candidate.Name, choice.ServedName);
        Assert.True(choice.PersonalAccuracy > choice.GlobalAccuracy);
    }

    [Fact]
    public void When_the_global_model_is_noise_auto_serves_a_personal_model_at_least_as_good_as_local_only_training()
    {
        var noise = _digits.NoiseGlobal();
        using var personalizer = new Personalizer(_digits.Options(PersonalizationMode.Auto) with { LocalEpochs = 20 }, new Random(3), NullLogger.Instance);
        var split = personalizer.Split.Split(_digits.DeviceSamples);
        var set = personalizer.RebaseAll(null, _digits.Architecture, noise, 1);
        personalizer.TrainAll(set, noise, split.Train, cancellationToken: Token);

        var choice = personalizer.ChooseAmong(set, noise, split.Validation);

        Assert.Equal(ServedModel.Personal, choice.Served);
        var test = personalizer.ScoreAll(set, noise, _digits.DeviceTest, out var global);
        double local = test[set.Models.Count - 1].Accuracy;
        double served = test[choice.ServedIndex].Accuracy;
        Assert.True(served >= local - 0.05, $"served {choice.ServedName} {served:P1}, local-only {local:P1}, global {global.Accuracy:P1}");
        Assert.True(served > global.Accuracy + 0.3, $"served {served:P1}, global {global.Accuracy:P1}");
    }

    [Fact]
    public void Rebasing_on_a_new_global_version_keeps_every_model_and_the_served_choice()
    {
        using var personalizer = new Personalizer(_digits.Options(PersonalizationMode.Auto), new Random(3), NullLogger.Instance);
        var set = personalizer.RebaseAll(null, _digits.Architecture, _digits.Global, 1);
        set.Served = 3;
        var local = set.Models[4].Parameters.Clone();

        var next = personalizer.RebaseAll(set, _digits.Architecture, _digits.Global, 2);

        Assert.NotSame(set, next);
        Assert.Equal(3, next.Served);
        Assert.All(next.Models, m => Assert.Equal(2UL, m.BaseVersion));
        Assert.Equal(local.Buffer, next.Models[4].Parameters.Buffer);
        Assert.Same(next, personalizer.RebaseAll(next, _digits.Architecture, _digits.Global, 2));
    }

    [Fact]
    public void A_single_mode_set_switching_to_auto_keeps_its_model_and_adds_the_others()
    {
        using var head = new Personalizer(_digits.Options(PersonalizationMode.Head), new Random(3), NullLogger.Instance);
        var old = head.RebaseAll(null, _digits.Architecture, _digits.Global, 1);
        using var auto = new Personalizer(_digits.Options(PersonalizationMode.Auto), new Random(3), NullLogger.Instance);

        var set = auto.RebaseAll(old, _digits.Architecture, _digits.Global, 1);

        Assert.Equal(5, set.Models.Count);
        Assert.Same(old.Models[0], set.Find(PersonalCandidate.Of(PersonalizationMode.Head)));
    }
}
