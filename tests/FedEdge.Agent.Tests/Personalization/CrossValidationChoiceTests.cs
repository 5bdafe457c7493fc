using FedEdge.Core.Data;
using FedEdge.Device.Personalization;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Agent.Tests.Personalization;

/// <summary>
/// Choosing the served model by k-fold cross-validation on a device with few samples
/// (<see cref="Personalizer.CrossValidate"/>), on the real digits of <see cref="NonIidDigits"/>.
/// </summary>
public class CrossValidationChoiceTests : IClassFixture<NonIidDigits>
{
    private readonly NonIidDigits _digits;

    public CrossValidationChoiceTests(NonIidDigits digits)
    {
        _digits = digits;
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Dataset First(Dataset data, int count) => data.Select(Enumerable.Range(0, count).ToArray());

    private PersonalizationOptions Options => _digits.Options(PersonalizationMode.Auto) with { LocalEpochs = 20 };

    [Fact]
    public void A_device_with_few_samples_and_a_useless_global_model_now_serves_a_personal_model()
    {
        var noise = _digits.NoiseGlobal();
        var samples = First(_digits.DeviceSamples, 30);

        // Before: the validation split is too small for the margin rule, so the global model (noise) is served.
        using (var before = new Personalizer(Options with { CrossValidationFolds = 0 }, new Random(3), NullLogger.Instance))
        {
            var split = before.Split.Split(samples);
            Assert.True(split.Validation.Count < Options.MinValidationSamples, $"{split.Validation.Count} validation samples");
            Assert.False(before.UsesCrossValidation(split));
            var set = before.RebaseAll(null, _digits.Architecture, noise, 1);
            before.TrainAll(set, noise, split.Train, cancellationToken: Token);
            Assert.Equal(ServedModel.Global, before.ChooseAmong(set, noise, split.Validation).Served);
        }

        using var personalizer = new Personalizer(Options, new Random(3), NullLogger.Instance);
        var localSplit = personalizer.Split.Split(samples);
        Assert.True(personalizer.UsesCrossValidation(localSplit));
        var models = personalizer.RebaseAll(null, _digits.Architecture, noise, 1);

        var scores = personalizer.CrossValidate(models, noise, samples, cancellationToken: Token)!;
        personalizer.TrainAll(models, noise, samples, cancellationToken: Token);
        var choice = personalizer.ChooseByCrossValidation(models, scores);

        Assert.Equal(30, scores.Samples);
        Assert.Equal(30, choice.ValidationCount);
        Assert.Equal(ServedModel.Personal, choice.Served);
        Assert.Equal(choice.ServedIndex, models.Served);
        Assert.Contains("5-fold cross-validation", choice.Reason, StringComparison.Ordinal);
        // and it is really better on samples nobody trained on
        var test = personalizer.ScoreAll(models, noise, _digits.DeviceTest, out var global);
        double served = test[choice.ServedIndex].Accuracy;
        Assert.True(served > global.Accuracy + 0.3, $"served {choice.ServedName} {served:P1}, global {global.Accuracy:P1} on the test set; {choice.Reason}");
    }

    [Fact]
    public void A_device_with_few_samples_whose_global_model_is_better_keeps_the_global_model()
    {
        // A well-trained fleet model and a home with 25 samples of all ten digits (like the fleet's):
        // nothing the home can learn alone beats it.
        var global = _digits.TrainGlobal(_digits.Pool, epochs: 10, seed: 1);
        var samples = First(_digits.Holdout, 25);
        var test = _digits.Holdout.Select(Enumerable.Range(300, 400).ToArray());
        using var personalizer = new Personalizer(Options, new Random(3), NullLogger.Instance);
        Assert.True(personalizer.UsesCrossValidation(personalizer.Split.Split(samples)));
        var models = personalizer.RebaseAll(null, _digits.Architecture, global, 1);

        var scores = personalizer.CrossValidate(models, global, samples, cancellationToken: Token)!;
        personalizer.TrainAll(models, global, samples, cancellationToken: Token);
        var choice = personalizer.ChooseByCrossValidation(models, scores);

        var held = personalizer.ScoreAll(models, global, test, out var globalOnTest);
        double localOnly = held[models.Models.Count - 1].Accuracy;
        Assert.True(globalOnTest.Accuracy > localOnly + 0.2, $"precondition: global {globalOnTest.Accuracy:P1}, local-only {localOnly:P1} on the test set");
        Assert.Equal(ServedModel.Global, choice.Served);
        Assert.Equal(PersonalModelSet.GlobalServed, models.Served);
    }

    [Fact]
    public void Cross_validation_leaves_the_kept_models_unchanged_and_is_deterministic()
    {
        var noise = _digits.NoiseGlobal();
        var samples = First(_digits.DeviceSamples, 20);
        using var first = new Personalizer(Options with { LocalEpochs = 3 }, new Random(5), NullLogger.Instance);
        var set = first.RebaseAll(null, _digits.Architecture, noise, 1);
        var before = set.Models.Select(m => m.Parameters.Clone()).ToArray();

        var scores = first.CrossValidate(set, noise, samples, cancellationToken: Token)!;

        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i].Buffer, set.Models[i].Parameters.Buffer);
            Assert.Equal(0, set.Models[i].LocalSteps);
        }

        using var second = new Personalizer(Options with { LocalEpochs = 3 }, new Random(5), NullLogger.Instance);
        var again = second.CrossValidate(second.RebaseAll(null, _digits.Architecture, noise, 1), noise, samples, cancellationToken: Token)!;
        Assert.Equal(scores.Personal, again.Personal);
        Assert.Equal(scores.Global, again.Global);
        // every sample scored once: accuracies are multiples of 1/20
        Assert.All(scores.Personal, s => Assert.Equal(Math.Round(s.Accuracy * 20), s.Accuracy * 20, 9));
    }

    [Fact]
    public void A_large_validation_split_keeps_the_validation_rule()
    {
        using var personalizer = new Personalizer(Options with { CrossValidationBelow = 10 }, new Random(3), NullLogger.Instance);
        var split = personalizer.Split.Split(_digits.DeviceSamples);

        Assert.True(split.Validation.Count >= 10, $"{split.Validation.Count} validation samples");
        Assert.False(personalizer.UsesCrossValidation(split));
    }

    [Fact]
    public void Invalid_fold_settings_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>((Options with { CrossValidationFolds = 1, CrossValidationBelow = -1 }).Validate);

        Assert.Contains("CrossValidationFolds", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CrossValidationBelow", ex.Message, StringComparison.Ordinal);
    }
}
