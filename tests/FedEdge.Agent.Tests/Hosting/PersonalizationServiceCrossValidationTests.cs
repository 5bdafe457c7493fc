using System.Security.Cryptography;
using FedEdge.Core.Data;
using FedEdge.Device.Agent;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>
/// The agent serves the model its personalization run chose (<see cref="Personalizer.TrainAndChoose"/>, the
/// simulator's code path): by k-fold cross-validation on a device whose validation split is small, on the
/// validation split otherwise.
/// </summary>
public sealed class PersonalizationServiceCrossValidationTests
{
    // 60 samples: a validation split of about 12, below both MinValidationSamples (20) and CrossValidationBelow (50)
    private const int FewSamples = 60;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static PersonalizedDevice SmallDevice(int crossValidationFolds)
    {
        var device = new PersonalizedDevice(PersonalizationMode.Auto, PersonalizedDevice.ClosedPort(), FewSamples);
        device.Options.Personalization.Epochs = 20;
        device.Options.Personalization.CrossValidationFolds = crossValidationFolds;
        // the untrained fleet model (uniform ±0.3 weights): what a small fleet under user-level DP serves
        device.Install(device.SignedModel(1, seed: 11));
        return device;
    }

    [Fact]
    public async Task A_device_with_a_small_validation_split_serves_the_cross_validated_choice_where_the_split_alone_keeps_the_global_model()
    {
        // Before: the validation split alone decides — too few samples to serve anything but the global model.
        using (var plain = SmallDevice(crossValidationFolds: 0))
        using (var service = plain.Personalization())
        {
            service.Open();
            var split = service.CurrentSplit();
            Assert.InRange(split.Validation.Count, 1, plain.Options.Personalization.MinValidationSamples - 1);
            string plainAccount = await service.RunCycleAsync(Token);
            Assert.StartsWith("Trained", plainAccount, StringComparison.Ordinal);
            Assert.Equal(ServedModel.Global, plain.Served.Current.Served);
            Assert.Contains("needed before a personal model may be served", plain.Served.Current.Choice.Reason, StringComparison.Ordinal);
        }

        using var device = SmallDevice(crossValidationFolds: 5);
        using (var service = device.Personalization())
        {
            service.Open();
            Assert.True(service.CurrentSplit().Validation.Count < device.Options.Personalization.CrossValidationBelow);

            string account = await service.RunCycleAsync(Token);

            Assert.StartsWith("Trained", account, StringComparison.Ordinal);
            Assert.Contains($"chosen by 5-fold cross-validation over {FewSamples} samples", account, StringComparison.Ordinal);
            var current = device.Served.Current;
            Assert.Equal(ServedModel.Personal, current.Served);
            Assert.StartsWith("5-fold cross-validation:", current.Choice.Reason, StringComparison.Ordinal);
            Assert.Equal(FewSamples, current.Choice.ValidationCount);
            Assert.True(current.Choice.PersonalAccuracy > current.Choice.GlobalAccuracy, current.Choice.Reason);

            // the choice is stored with the set (the incumbent of the next one), marked as trained on every sample
            var stored = device.PersonalStore.LoadSet()!;
            Assert.Equal(current.Choice.ServedIndex, stored.Served);
            Assert.True(stored.SawValidationSamples);
            Assert.True(stored.Models.All(m => m.LocalSteps > 0));

            // the status carries the choice as it carries one made on the validation split
            using var agent = DeviceAgent.Open(
                device.Options, PinnedModelKey.FromPem(File.ReadAllText(device.Options.ModelSigningPublicKeyPath)),
                new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1)), device.Time, NullLoggerFactory.Instance, device.Installed);
            var status = agent.Status(DeviceState.Idle, PowerState.Charging, current);
            Assert.Equal(ActivityClassifier.PersonalModelSource, status.ServedModel);
            Assert.Equal((uint)FewSamples, status.ServedValidationSamples);
            Assert.Equal(current.Choice.PersonalAccuracy, status.ServedPersonalAccuracy);
            Assert.Equal(current.Choice.GlobalAccuracy, status.ServedGlobalAccuracy);
            var diagnostics = agent.Diagnostics(DeviceState.Idle, current, outboxDepth: 0);
            Assert.Equal(ActivityClassifier.PersonalModelSource, diagnostics.ServedModel);
            Assert.Equal(current.Choice.Reason, diagnostics.ServedReason);
        }

        // A restart while the device is busy: no fresh folds (they are a training run), the stored choice stays served.
        device.Cpu.Busy = true;
        int servedIndex = device.PersonalStore.LoadSet()!.Served;
        using var restarted = device.Personalization();
        restarted.Open();
        string busy = await restarted.RunCycleAsync(Token);

        Assert.StartsWith("not eligible", busy, StringComparison.Ordinal);
        Assert.Equal(ServedModel.Personal, device.Served.Current.Served);
        Assert.Equal(servedIndex, device.Served.Current.Choice.ServedIndex);
        Assert.Contains("stays served until the next training run", device.Served.Current.Choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_large_validation_split_the_agent_chooses_exactly_as_before()
    {
        // 400 samples: a validation split of about 80, at or above CrossValidationBelow (50)
        using var on = new PersonalizedDevice(PersonalizationMode.Auto, PersonalizedDevice.ClosedPort());
        using var off = new PersonalizedDevice(PersonalizationMode.Auto, PersonalizedDevice.ClosedPort());
        off.Options.Personalization.CrossValidationFolds = 0;
        var results = new List<(string Account, ServedSnapshot Served, byte[] Stored)>();
        foreach (var device in new[] { on, off })
        {
            device.Install(device.SignedModel(1, seed: 11));
            using var service = device.Personalization();
            service.Open();
            Assert.True(service.CurrentSplit().Validation.Count >= device.Options.Personalization.CrossValidationBelow);
            string account = await service.RunCycleAsync(Token);
            results.Add((account, device.Served.Current, File.ReadAllBytes(device.PersonalStore.CurrentPath)));
        }

        Assert.StartsWith("Trained", results[0].Account, StringComparison.Ordinal);
        Assert.DoesNotContain("cross-validation", results[0].Account, StringComparison.Ordinal);
        Assert.Equal(results[1].Account, results[0].Account);
        Assert.Equal(results[1].Served.Choice, results[0].Served.Choice);
        Assert.DoesNotContain("cross-validation", results[0].Served.Choice.Reason, StringComparison.Ordinal);
        Assert.InRange(results[0].Served.Choice.ValidationCount, 50, 200);
        // same models, same choice, byte for byte; no "trained on validation" mark
        Assert.Equal(results[1].Stored, results[0].Stored);
        Assert.False(on.PersonalStore.LoadSet()!.SawValidationSamples);
    }

    [Fact]
    public async Task A_device_that_grows_out_of_cross_validation_re_creates_its_models_before_its_validation_split_judges_them()
    {
        using var device = SmallDevice(crossValidationFolds: 5);
        using var service = device.Personalization();
        service.Open();
        await service.RunCycleAsync(Token);
        Assert.True(service.PersonalSet!.SawValidationSamples);
        long stepsOnAll = service.PersonalSet.Models[0].LocalSteps;

        // enough new samples for a validation split of ≥ 50, and the next training slot
        device.AddSamples(400);
        device.Time.Advance(TimeSpan.FromHours(2));
        string account = await service.RunCycleAsync(Token);

        Assert.True(service.CurrentSplit().Validation.Count >= 50);
        Assert.StartsWith("Trained", account, StringComparison.Ordinal);
        Assert.DoesNotContain("cross-validation", account, StringComparison.Ordinal);
        var set = service.PersonalSet!;
        Assert.False(set.SawValidationSamples);
        Assert.False(device.PersonalStore.LoadSet()!.SawValidationSamples);
        // one run on the training split from fresh models, not the earlier run's steps plus this one's
        var split = service.CurrentSplit();
        long oneRun = device.Options.Personalization.Epochs * (long)Math.Ceiling(split.Train.Count / (double)device.Options.Personalization.BatchSize);
        Assert.All(set.Models, m => Assert.Equal(oneRun, m.LocalSteps));
        Assert.NotEqual(stepsOnAll + oneRun, set.Models[0].LocalSteps);
        Assert.DoesNotContain("cross-validation", device.Served.Current.Choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_without_samples_serves_the_global_model_and_says_why()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.Auto, PersonalizedDevice.ClosedPort(), samples: 0);
        device.Install(device.SignedModel(1, seed: 11));
        using var service = device.Personalization();
        service.Open();

        string account = await service.RunCycleAsync(Token);

        Assert.StartsWith("not eligible", account, StringComparison.Ordinal);
        Assert.Equal(ServedModel.Global, device.Served.Current.Served);
        Assert.Equal(0, device.Served.Current.Choice.ValidationCount);
        Assert.Contains("no validation samples yet", device.Served.Current.Choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Samples_that_do_not_fit_the_model_train_nothing_and_the_global_model_is_served_with_the_reason()
    {
        using var device = SmallDevice(crossValidationFolds: 5);
        // a sample source whose rows carry more classes than the installed model has (a schema change gone wrong)
        var misfit = new MisfitSamples(FewSamples, SmartHomeSchema.FeatureNames.Count, SmartHomeSchema.ClassCount + 2);
        using var service = device.Personalization(misfit);
        service.Open();

        string account = await service.RunCycleAsync(Token);

        Assert.StartsWith("Unusable", account, StringComparison.Ordinal);
        Assert.Contains("do not fit", account, StringComparison.Ordinal);
        Assert.Equal(ServedModel.Global, device.Served.Current.Served);
        Assert.Contains("do not fit", device.Served.Current.Choice.Reason, StringComparison.Ordinal);
        Assert.All(service.PersonalSet!.Models, m => Assert.Equal(0, m.LocalSteps));
    }

    private sealed class MisfitSamples(int count, int features, int classes) : ILocalSamples
    {
        public int Count => count;

        public Dataset ReadNewest(int max)
        {
            int rows = Math.Min(max, count);
            var random = new Random(7);
            var values = new float[rows * features];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)random.NextDouble();
            }

            return new Dataset(values, [.. Enumerable.Range(0, rows).Select(r => r % classes)], features, classes);
        }
    }
}
