using System.Globalization;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;
using Microsoft.Extensions.Logging;

namespace FedEdge.Device.Personalization;

/// <summary>
/// Trains and evaluates a device's personal model against the current global model. No hosting,
/// no I/O besides the generated training artifacts: the agent host and the simulator both drive
/// it. Not thread-safe: one personalizer per device.
/// </summary>
/// <remarks>
/// <para><b>Head</b> (FedPer, Arivazhagan et al. 2019; FedRep, Collins et al. 2021, Alg. 1): the
/// body is the global model's, frozen; the last dense layer is personal and fine-tuned on the
/// local samples. A new global model replaces the body; the head is kept and the next
/// <see cref="Train"/> fine-tunes it against the new body.</para>
/// <para><b>Ditto</b> (Li et al. 2021, Alg. 1, personal step): v ← v − η(∇F_k(v) + λ(v − w_global)),
/// written into the training graph as the proximal term with w_global as the frozen anchor. A new
/// global model keeps v and swaps the anchor.</para>
/// <para>The personal parameters stay in process memory and in <see cref="PersonalModelStore"/>;
/// no method here encodes or logs them.</para>
/// </remarks>
public sealed class Personalizer : IDisposable
{
    private readonly Random _shuffle;
    private readonly ILogger _logger;
    private OrtTrainer? _trainer;
    private ModelArchitecture? _trainerArchitecture;

    /// <summary>Creates a personalizer.</summary>
    /// <param name="options">Settings (validated here); the mode must not be <see cref="PersonalizationMode.None"/>.</param>
    /// <param name="shuffle">Shuffles local batches (no privacy role; seeded in tests and simulation).</param>
    /// <param name="logger">Receives re-base, training and serving events.</param>
    public Personalizer(PersonalizationOptions options, Random shuffle, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shuffle);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        if (options.Mode == PersonalizationMode.None)
        {
            throw new ArgumentException("Personalization mode None has no personal model; serve the global model instead of creating a Personalizer.", nameof(options));
        }

        Options = options;
        Split = LocalValidationSplit.FromOptions(options);
        _shuffle = shuffle;
        _logger = logger;
    }

    /// <summary>The settings in force.</summary>
    public PersonalizationOptions Options { get; }

    /// <summary>The validation split the options describe.</summary>
    public LocalValidationSplit Split { get; }

    /// <summary>
    /// The personal model to use with a (new) global model: <paramref name="current"/> kept and
    /// re-based when it fits, otherwise an explicit, logged re-initialisation from the global
    /// model (no personal model yet, another mode, another architecture). Does not train: call
    /// <see cref="Train"/> next (Head: fine-tune the kept head against the new body).
    /// </summary>
    public PersonalRebase Rebase(PersonalModel? current, ModelArchitecture architecture, ParameterSet global, ulong globalVersion)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(global);
        if (current is null)
        {
            var created = PersonalModel.FromGlobal(Options.Mode, architecture, global, globalVersion);
            PersonalizationLog.Created(_logger, Options.Mode, globalVersion, architecture);
            return new PersonalRebase(created, false, "no personal model yet: created from the global model");
        }

        string? problem = current.Mode != Options.Mode
            ? $"the stored personal model is {current.Mode}, the configured mode is {Options.Mode}"
            : !current.Architecture.Equals(architecture)
                ? $"the global model's architecture changed from {current.Architecture} to {architecture}; the personal {current.Mode} tensors do not fit it"
                : null;
        if (problem is not null)
        {
            var fresh = PersonalModel.FromGlobal(Options.Mode, architecture, global, globalVersion);
            PersonalizationLog.Reinitialised(_logger, globalVersion, problem);
            return new PersonalRebase(fresh, true, problem);
        }

        if (globalVersion == current.BaseVersion)
        {
            // A restart re-reads the same global model: nothing to re-base, nothing to log.
            return new PersonalRebase(current, false, "already based on this global version");
        }

        string reason = current.Mode == PersonalizationMode.Head
            ? "kept the personal head; the new global body replaces the old one"
            : "kept the personal weights; the new global weights are the proximal anchor";
        if (globalVersion < current.BaseVersion)
        {
            reason += " (the new global version is older than the one it was based on: a rollback)";
        }

        PersonalizationLog.Rebased(_logger, current.Mode, current.BaseVersion, globalVersion, reason);
        return new PersonalRebase(current.WithBaseVersion(globalVersion), false, reason);
    }

    /// <summary>
    /// Trains <paramref name="personal"/> in place on <paramref name="train"/> (the training split;
    /// the newest <see cref="PersonalizationOptions.MaxTrainingSamples"/> rows) for the configured
    /// epochs, against <paramref name="global"/> (Head: the frozen body; Ditto: the anchor).
    /// <paramref name="stillEligible"/> is checked before every optimizer step.
    /// </summary>
    /// <exception cref="ArgumentException">The global parameters or the samples do not fit the personal model's architecture.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; steps already taken are kept.</exception>
    public PersonalTrainingResult Train(PersonalModel personal, ParameterSet global, Dataset train, Func<bool>? stillEligible = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(personal);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(train);
        var architecture = personal.Architecture;
        RequireFits(architecture, global, train);
        if (personal.Mode != Options.Mode)
        {
            throw new ArgumentException($"The personal model is {personal.Mode} but this personalizer trains {Options.Mode}; re-base it first.", nameof(personal));
        }

        if (train.Count < Options.MinTrainingSamples)
        {
            return Log(new PersonalTrainingResult(PersonalTrainingOutcome.NotEnoughSamples, 0, train.Count, double.NaN, $"{train.Count} training samples, at least {Options.MinTrainingSamples} needed"));
        }

        var data = train.Count > Options.MaxTrainingSamples ? train.Newest(Options.MaxTrainingSamples) : train;
        var trainer = TrainerFor(architecture);
        personal.ComposeInto(global, trainer.Parameters);
        trainer.Checkpoint.OptimizerState.Clear();
        trainer.Checkpoint.Step = 0;
        if (trainer.Proximal)
        {
            trainer.SetAnchor(global);
            trainer.ProximalLambda = Options.ProximalLambda;
        }

        long steps = 0;
        double lossSum = 0;
        bool interrupted = false;
        int[] order = new int[data.Count];
        for (int epoch = 0; epoch < Options.LocalEpochs && !interrupted; epoch++)
        {
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            _shuffle.Shuffle(order);
            for (int start = 0; start < order.Length; start += Options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (stillEligible is not null && !stillEligible())
                {
                    interrupted = true;
                    break;
                }

                int count = Math.Min(Options.BatchSize, order.Length - start);
                lossSum += trainer.TrainStep(data, order.AsSpan(start, count), Options.LearningRate);
                steps++;
            }
        }

        double meanLoss = steps == 0 ? double.NaN : lossSum / steps;
        if (!trainer.Parameters.AllFinite())
        {
            return Log(new PersonalTrainingResult(PersonalTrainingOutcome.Diverged, steps, data.Count, meanLoss, $"non-finite parameters after {steps} steps; the personal model was left unchanged"));
        }

        personal.TakeFrom(trainer.Parameters);
        personal.LocalSteps += steps;
        string message = string.Create(CultureInfo.InvariantCulture, $"{steps} steps on {data.Count} samples, mean loss {meanLoss:G4}, base v{personal.BaseVersion}");
        return Log(interrupted
            ? new PersonalTrainingResult(PersonalTrainingOutcome.Interrupted, steps, data.Count, meanLoss, "no longer eligible after " + message)
            : new PersonalTrainingResult(PersonalTrainingOutcome.Trained, steps, data.Count, meanLoss, message));
    }

    /// <summary>Accuracy and loss of full parameters <paramref name="parameters"/> on <paramref name="data"/> (the eval graph).</summary>
    public EvaluationResult Evaluate(ModelArchitecture architecture, ParameterSet parameters, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        RequireFits(architecture, parameters, data);
        if (data.Count == 0)
        {
            return new EvaluationResult(double.NaN, double.NaN, 0);
        }

        var trainer = TrainerFor(architecture);
        trainer.Parameters.CopyFrom(parameters);
        return trainer.Evaluate(data);
    }

    /// <summary>
    /// Evaluates the global and the personal model on <paramref name="validation"/> and picks the
    /// one to serve (<see cref="ServingChoice.Decide"/>); logs the choice with both accuracies.
    /// </summary>
    public ServingChoice ChooseServed(PersonalModel personal, ParameterSet global, Dataset validation)
    {
        ArgumentNullException.ThrowIfNull(personal);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(validation);
        double globalAccuracy = Evaluate(personal.Architecture, global, validation).Accuracy;
        double personalAccuracy = Evaluate(personal.Architecture, personal.Compose(global), validation).Accuracy;
        var choice = ServingChoice.Decide(globalAccuracy, personalAccuracy, validation.Count, Options.MinValidationSamples);
        PersonalizationLog.Serving(_logger, choice.Served, choice.Reason);
        return choice;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _trainer?.Dispose();
        _trainer = null;
    }

    private PersonalTrainingResult Log(PersonalTrainingResult result)
    {
        PersonalizationLog.Trained(_logger, Options.Mode, result.Outcome, result.Message);
        return result;
    }

    private OrtTrainer TrainerFor(ModelArchitecture architecture)
    {
        if (_trainer is not null && architecture.Equals(_trainerArchitecture))
        {
            return _trainer;
        }

        _trainer?.Dispose();
        _trainer = null;

        // One artifact directory per (architecture, mode): the graphs depend on nothing else;
        // the weights, the anchor and λ are set per run.
        var trainable = Options.Mode == PersonalizationMode.Head ? TrainableSet.LastLayers(1) : TrainableSet.All;
        bool proximal = Options.Mode == PersonalizationMode.Ditto;
        string directory = Path.Combine(Options.ArtifactsDirectory, $"{architecture.Hash()[..16]}-personal-{Options.Mode.ToString().ToLowerInvariant()}");
        var trainerOptions = new TrainerOptions { Threads = Options.Threads, MaxBatchSize = Math.Max(Options.BatchSize, 64) };
        var artifacts = new ArtifactSet(directory);
        if (!artifacts.All.All(File.Exists))
        {
            Generate(architecture, trainable, proximal, directory);
        }

        OrtTrainer trainer;
        try
        {
            trainer = OrtTrainer.Load(directory, trainerOptions);
        }
        catch (TrainingArtifactException ex)
        {
            PersonalizationLog.RegeneratingArtifacts(_logger, directory, ex.Message);
            Generate(architecture, trainable, proximal, directory);
            trainer = OrtTrainer.Load(directory, trainerOptions);
        }

        if (trainer.Proximal != proximal || trainer.Checkpoint.Trainable.Count != trainable.Resolve(architecture).Count)
        {
            trainer.Dispose();
            PersonalizationLog.RegeneratingArtifacts(_logger, directory, "they were generated for another mode");
            Generate(architecture, trainable, proximal, directory);
            trainer = OrtTrainer.Load(directory, trainerOptions);
        }

        _trainer = trainer;
        _trainerArchitecture = architecture;
        return trainer;
    }

    private void Generate(ModelArchitecture architecture, TrainableSet trainable, bool proximal, string directory) =>
        TrainingArtifactGenerator.Generate(
            architecture, trainable, OptimizerSettings.Sgd(Options.Momentum), directory, proximalTerm: proximal);

    private static void RequireFits(ModelArchitecture architecture, ParameterSet parameters, Dataset data)
    {
        if (!parameters.Layout.Equals(architecture.Layout))
        {
            throw new ArgumentException($"Parameters [{parameters.Layout}] do not fit {architecture}.", nameof(parameters));
        }

        if (data.FeatureCount != architecture.Inputs || data.ClassCount > architecture.Classes)
        {
            throw new ArgumentException(
                $"Samples with {data.FeatureCount} features and {data.ClassCount} classes do not fit {architecture}.", nameof(data));
        }
    }
}
