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
    public void The_shared_run_bounds_the_extra_work_to_one_training_per_fold_and_chooses_as_the_separate_calls_do()
    {
        var noise = _digits.NoiseGlobal();
        var samples = First(_digits.DeviceSamples, 37);
        var options = Options with { LocalEpochs = 4 };
        using var personalizer = new Personalizer(options, new Random(3), NullLogger.Instance);
        var set = personalizer.RebaseAll(null, _digits.Architecture, noise, 1);

        var run = personalizer.TrainAndChoose(set, noise, samples, cancellationToken: Token);

        // Independently: stratified folds differ in size by at most one, so n mod k folds hold ⌈n/k⌉ samples and the
        // rest ⌊n/k⌋; each candidate trains E epochs of ⌈(n − fold)/B⌉ steps per fold, then E·⌈n/B⌉ steps on all n.
        int n = samples.Count, k = options.CrossValidationFolds, b = options.BatchSize, e = options.LocalEpochs, c = set.Models.Count;
        long foldSteps = 0;
        for (int f = 0; f < k; f++)
        {
            int held = (n / k) + (f < n % k ? 1 : 0);
            foldSteps += (n - held + b - 1) / b;
        }

        Assert.NotNull(run.CrossValidation);
        Assert.Equal(c * e * foldSteps, run.CrossValidation.Steps);
        Assert.Equal(c * e * (long)((n + b - 1) / b), run.Training.Steps);
        Assert.Equal(run.Training.Steps + run.CrossValidation.Steps, run.Steps);
        // here (37 samples, 5 folds of 7–8, batch 16): 5·2 = 10 steps per epoch and candidate in the folds against 3 on all
        // 37, so the run costs (10 + 3)/3 ≈ 4.3 times one without cross-validation
        Assert.True(set.SawValidationSamples);

        // the same choice as the simulator's former separate calls, from the same generator state
        using var separate = new Personalizer(options, new Random(3), NullLogger.Instance);
        var other = separate.RebaseAll(null, _digits.Architecture, noise, 1);
        var scores = separate.CrossValidate(other, noise, samples, cancellationToken: Token)!;
        separate.TrainAll(other, noise, samples, cancellationToken: Token);
        var choice = separate.ChooseByCrossValidation(other, scores);
        Assert.Equal(choice, run.Choice);
        Assert.Equal(scores.Personal, run.Scores);
        for (int i = 0; i < c; i++)
        {
            Assert.Equal(other.Models[i].Parameters.Buffer, set.Models[i].Parameters.Buffer);
        }
    }

    [Fact]
    public void A_run_stopped_during_the_folds_changes_nothing_and_chooses_nothing()
    {
        var noise = _digits.NoiseGlobal();
        var samples = First(_digits.DeviceSamples, 30);
        using var personalizer = new Personalizer(Options, new Random(3), NullLogger.Instance);
        var set = personalizer.RebaseAll(null, _digits.Architecture, noise, 1);
        set.Served = 1;
        var before = set.Models.Select(m => m.Parameters.Clone()).ToArray();
        int checks = 0;

        var run = personalizer.TrainAndChoose(set, noise, samples, () => ++checks < 5, Token);

        Assert.Null(run.Choice);
        Assert.Equal(PersonalTrainingOutcome.Interrupted, run.Training.Outcome);
        Assert.Equal(1, set.Served);
        Assert.False(set.SawValidationSamples);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i].Buffer, set.Models[i].Parameters.Buffer);
        }
    }

    [Fact]
    public void A_set_trained_on_its_validation_samples_is_not_judged_by_them()
    {
        var noise = _digits.NoiseGlobal();
        // a threshold of 10: the device's validation split decides on its own
        using var personalizer = new Personalizer(Options with { LocalEpochs = 1, CrossValidationBelow = 10 }, new Random(3), NullLogger.Instance);
        var set = personalizer.RebaseAll(null, _digits.Architecture, noise, 1);
        set.SawValidationSamples = true;
        var samples = _digits.DeviceSamples;
        Assert.False(personalizer.UsesCrossValidation(personalizer.Split.Split(samples)));

        Assert.True(personalizer.MustReinitialise(set, samples));
        Assert.Throws<InvalidOperationException>(() => personalizer.TrainAndChoose(set, noise, samples, cancellationToken: Token));
        Assert.Throws<InvalidOperationException>(() => personalizer.ChooseWithoutTraining(set, noise, samples));
        var fresh = personalizer.ReinitialiseAll(_digits.Architecture, noise, 2, "grew out of cross-validation");
        Assert.False(fresh.SawValidationSamples);
        Assert.Equal(PersonalModelSet.GlobalServed, fresh.Served);
        Assert.All(fresh.Models, m => Assert.Equal(0, m.LocalSteps));
        Assert.False(personalizer.MustReinitialise(fresh, samples));

        // a small device keeps cross-validating: nothing to re-create
        Assert.False(personalizer.MustReinitialise(set, First(samples, 30)));
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
