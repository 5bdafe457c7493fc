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
/// <para><b>LocalOnly</b>: all tensors from the seeded initial weights, trained on the home's samples
/// alone (the full graph at λ = 0). <b>Auto</b> keeps one model per candidate
/// (<see cref="PersonalizationOptions.Candidates"/>), trains them one after another
/// (<see cref="TrainAll"/>) and serves the winner on validation (<see cref="ChooseAmong"/>).</para>
/// <para>The personal parameters stay in process memory and in <see cref="PersonalModelStore"/>;
/// no method here encodes or logs them.</para>
/// </remarks>
public sealed class Personalizer : IDisposable
{
    private readonly Random _shuffle;
    private readonly ILogger _logger;
    // At most two trainers per architecture: the head graph (last layer trainable) and the full graph
    // with the proximal term (Ditto at any λ, LocalOnly at λ = 0). Built on first use, reused by every
    // candidate, so Auto mode costs more training time but no more sessions than Head + Ditto.
    private OrtTrainer? _headTrainer;
    private OrtTrainer? _fullTrainer;
    private ModelArchitecture? _trainerArchitecture;
    private ParameterSet? _composed;

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
    /// <exception cref="InvalidOperationException">The mode is Auto, which keeps a set: use <see cref="RebaseAll"/>.</exception>
    public PersonalRebase Rebase(PersonalModel? current, ModelArchitecture architecture, ParameterSet global, ulong globalVersion)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(global);
        if (Options.Mode == PersonalizationMode.Auto)
        {
            throw new InvalidOperationException("Auto mode keeps one personal model per candidate: use RebaseAll.");
        }

        return RebaseOne(current, Options.Candidates()[0], architecture, global, globalVersion);
    }

    /// <summary>
    /// <see cref="Rebase"/> for every candidate of the mode: kept models are re-based, missing ones
    /// created, models of candidates no longer configured dropped. The served model stays served
    /// when it is kept; otherwise the global model is served until the next choice.
    /// </summary>
    /// <returns><paramref name="current"/> itself when nothing changed (nothing to store), otherwise a new set.</returns>
    public PersonalModelSet RebaseAll(PersonalModelSet? current, ModelArchitecture architecture, ParameterSet global, ulong globalVersion)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(global);
        var candidates = Options.Candidates();
        var models = new PersonalModel[candidates.Count];
        bool changed = current is null || current.Models.Count != candidates.Count;
        int served = PersonalModelSet.GlobalServed;
        for (int i = 0; i < candidates.Count; i++)
        {
            var kept = Find(current, candidates[i]);
            models[i] = RebaseOne(kept, candidates[i], architecture, global, globalVersion).Model;
            changed = changed || !ReferenceEquals(models[i], kept) || !ReferenceEquals(kept, current!.Models[i]);
            if (kept is not null && ReferenceEquals(kept, current!.ServedModel))
            {
                served = i;
            }
        }

        return changed ? new PersonalModelSet(models, served) { SawValidationSamples = current?.SawValidationSamples ?? false } : current!;
    }

    /// <summary>
    /// Trains <paramref name="personal"/> in place on <paramref name="train"/> (the training split;
    /// the newest <see cref="PersonalizationOptions.MaxTrainingSamples"/> rows) for the configured
    /// epochs, against <paramref name="global"/> (Head: the frozen body; Ditto: the anchor; LocalOnly:
    /// unused). <paramref name="stillEligible"/> is checked before every optimizer step.
    /// </summary>
    /// <exception cref="ArgumentException">The global parameters or the samples do not fit the personal model's architecture, or the model is not of the configured mode.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; steps already taken are kept.</exception>
    public PersonalTrainingResult Train(PersonalModel personal, ParameterSet global, Dataset train, Func<bool>? stillEligible = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(personal);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(train);
        var architecture = personal.Architecture;
        RequireFits(architecture, global, train);
        if (Options.Mode != PersonalizationMode.Auto && personal.Mode != Options.Mode)
        {
            throw new ArgumentException($"The personal model is {personal.Mode} but this personalizer trains {Options.Mode}; re-base it first.", nameof(personal));
        }

        if (train.Count < Options.MinTrainingSamples)
        {
            return Log(personal, new PersonalTrainingResult(PersonalTrainingOutcome.NotEnoughSamples, 0, train.Count, double.NaN, $"{train.Count} training samples, at least {Options.MinTrainingSamples} needed"));
        }

        var data = train.Count > Options.MaxTrainingSamples ? train.Newest(Options.MaxTrainingSamples) : train;
        var trainer = TrainerFor(architecture, personal.Mode);
        personal.ComposeInto(global, trainer.Parameters);
        trainer.Checkpoint.OptimizerState.Clear();
        trainer.Checkpoint.Step = 0;
        if (trainer.Proximal)
        {
            trainer.SetAnchor(global);
            trainer.ProximalLambda = personal.Mode switch
            {
                // a fixed Ditto mode trains with the configured λ (files of format 1 carry none)
                PersonalizationMode.Ditto when Options.Mode == PersonalizationMode.Ditto => Options.ProximalLambda,
                PersonalizationMode.Ditto => personal.ProximalLambda,
                _ => 0f,
            };
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
            return Log(personal, new PersonalTrainingResult(PersonalTrainingOutcome.Diverged, steps, data.Count, meanLoss, $"non-finite parameters after {steps} steps; the personal model was left unchanged"));
        }

        personal.TakeFrom(trainer.Parameters);
        personal.LocalSteps += steps;
        string message = string.Create(CultureInfo.InvariantCulture, $"{steps} steps on {data.Count} samples, mean loss {meanLoss:G4}, base v{personal.BaseVersion}");
        return Log(personal, interrupted
            ? new PersonalTrainingResult(PersonalTrainingOutcome.Interrupted, steps, data.Count, meanLoss, "no longer eligible after " + message)
            : new PersonalTrainingResult(PersonalTrainingOutcome.Trained, steps, data.Count, meanLoss, message));
    }

    /// <summary>
    /// <see cref="Train"/> for every model of the set, one after another (one model's buffers in use
    /// at a time). Stops at the first interruption; the models not reached keep their parameters.
    /// </summary>
    /// <returns>One result for the run: Interrupted if any run was, else Trained if any model trained; steps summed.</returns>
    public PersonalTrainingResult TrainAll(PersonalModelSet set, ParameterSet global, Dataset train, Func<bool>? stillEligible = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        long steps = 0;
        double lossSum = 0;
        int trainedModels = 0;
        bool interrupted = false, diverged = false;
        var messages = new List<string>(set.Models.Count);
        PersonalTrainingResult? last = null;
        foreach (var model in set.Models)
        {
            last = Train(model, global, train, stillEligible, cancellationToken);
            steps += last.Steps;
            messages.Add($"{model.Candidate.Name}: {last.Outcome}");
            diverged |= last.Outcome == PersonalTrainingOutcome.Diverged;
            if (last.Outcome is PersonalTrainingOutcome.Trained or PersonalTrainingOutcome.Interrupted)
            {
                lossSum += last.MeanLoss;
                trainedModels++;
            }

            if (last.Outcome == PersonalTrainingOutcome.Interrupted)
            {
                interrupted = true;
                break;
            }
        }

        var outcome = interrupted ? PersonalTrainingOutcome.Interrupted
            : trainedModels > 0 ? PersonalTrainingOutcome.Trained
            : diverged ? PersonalTrainingOutcome.Diverged
            : PersonalTrainingOutcome.NotEnoughSamples;
        if (set.Models.Count == 1)
        {
            return last!;
        }

        double meanLoss = trainedModels == 0 ? double.NaN : lossSum / trainedModels;
        string message = string.Create(CultureInfo.InvariantCulture, $"{steps} steps over {set.Models.Count} candidates ({string.Join(", ", messages)}) on {last!.Samples} samples");
        return new PersonalTrainingResult(outcome, steps, last.Samples, meanLoss, message);
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

        var trainer = EvaluatorFor(architecture);
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

    /// <summary>
    /// Scores the global model and every model of <paramref name="set"/> on <paramref name="validation"/>,
    /// decides with <see cref="ServingChoice.DecideAmong"/> (the set's served model is the incumbent),
    /// records the choice in <see cref="PersonalModelSet.Served"/> and logs it.
    /// </summary>
    public ServingChoice ChooseAmong(PersonalModelSet set, ParameterSet global, Dataset validation) =>
        ScoreAndChoose(set, global, validation, out _);

    /// <summary>
    /// The one personalization run of the agent (<c>PersonalizationService</c>, only while the device is
    /// idle, powered and cool) and of the simulator's end-of-run evaluation: trains <paramref name="set"/>
    /// and chooses the served model among the global model and every candidate.
    /// </summary>
    /// <remarks>
    /// <para>The local samples are split (<see cref="Split"/>). When <see cref="UsesCrossValidation"/> says
    /// so (a validation split below <see cref="PersonalizationOptions.CrossValidationBelow"/>), the
    /// candidates are scored by <see cref="CrossValidate"/> before training, the kept models are trained
    /// on all the samples (<see cref="TrainAll"/>) and <see cref="ChooseByCrossValidation"/> decides; the set is
    /// then marked <see cref="PersonalModelSet.SawValidationSamples"/>. Otherwise the kept models are trained on
    /// the training split and the validation split decides (<see cref="ChooseAmong"/>), as before.</para>
    /// <para>No choice (<see cref="PersonalizationRun.Choice"/> null, the served model stays) when
    /// <paramref name="stillEligible"/> stopped the cross-validation or the training after it: the scores
    /// would not describe the kept models. Samples that do not fit the models (another feature count or
    /// more classes) train nothing and serve the global model, with the reason.</para>
    /// </remarks>
    /// <param name="set">The kept models (re-based on <paramref name="global"/>); trained in place.</param>
    /// <param name="global">The global model's parameters.</param>
    /// <param name="samples">All the device's labelled samples, oldest first.</param>
    /// <param name="stillEligible">Checked before every optimizer step, also within the folds.</param>
    /// <param name="cancellationToken">Cancels the run; steps already taken are kept.</param>
    /// <exception cref="InvalidOperationException">The validation split decides but the set has trained on validation samples: re-create it first (<see cref="ReinitialiseAll"/>).</exception>
    public PersonalizationRun TrainAndChoose(PersonalModelSet set, ParameterSet global, Dataset samples, Func<bool>? stillEligible = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(samples);
        if (Unusable(set, global, samples) is { } problem)
        {
            return new PersonalizationRun(
                new PersonalTrainingResult(PersonalTrainingOutcome.Unusable, 0, samples.Count, double.NaN, problem),
                ServeGlobal(set, problem), [], null);
        }

        var split = Split.Split(samples);
        if (!UsesCrossValidation(split))
        {
            RequireNotTrainedOnValidation(set);
            var trained = TrainAll(set, global, split.Train, stillEligible, cancellationToken);
            var choice = ChooseOnValidation(set, global, split.Validation, out var scores);
            return new PersonalizationRun(trained, choice, scores, null);
        }

        var scored = CrossValidate(set, global, samples, stillEligible, cancellationToken);
        if (scored is null)
        {
            return new PersonalizationRun(
                new PersonalTrainingResult(PersonalTrainingOutcome.Interrupted, 0, samples.Count, double.NaN, "no longer eligible during the cross-validation; the kept models are unchanged"),
                null, [], null);
        }

        var result = TrainAll(set, global, samples, stillEligible, cancellationToken);
        if (result.Steps > 0)
        {
            set.SawValidationSamples = true;
        }

        return result.Outcome == PersonalTrainingOutcome.Interrupted
            ? new PersonalizationRun(result, null, scored.Personal, scored)
            : new PersonalizationRun(result, ChooseByCrossValidation(set, scored), scored.Personal, scored);
    }

    /// <summary>
    /// The served model when there is no training run to choose after (a new global model arrived, or the
    /// agent restarted, while the device is not eligible to train). On a validation split that decides,
    /// <see cref="ChooseAmong"/> on it (cheap: one evaluation per model). Where cross-validation decides,
    /// its scores are not kept and re-running the folds is a training run, so the set's served model (the
    /// last cross-validated choice, stored with the set) stays until the next <see cref="TrainAndChoose"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The validation split decides but the set has trained on validation samples: re-create it first (<see cref="ReinitialiseAll"/>).</exception>
    public ServingChoice ChooseWithoutTraining(PersonalModelSet set, ParameterSet global, Dataset samples)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(samples);
        if (Unusable(set, global, samples) is { } problem)
        {
            return ServeGlobal(set, problem);
        }

        var split = Split.Split(samples);
        if (!UsesCrossValidation(split))
        {
            RequireNotTrainedOnValidation(set);
            return ChooseOnValidation(set, global, split.Validation, out _);
        }

        string reason = string.Create(
            CultureInfo.InvariantCulture,
            $"{Options.CrossValidationFolds}-fold cross-validation decides on this device ({split.Validation.Count} validation samples, fewer than {Options.CrossValidationBelow}): {set.ServedName} stays served until the next training run re-runs the folds");
        var choice = set.ServedModel is null
            ? ServingChoice.GlobalOnly(reason)
            : new ServingChoice(ServedModel.Personal, double.NaN, double.NaN, 0, reason) { ServedIndex = set.Served, ServedName = set.ServedName };
        PersonalizationLog.Serving(_logger, choice.Served, choice.Reason);
        return choice;
    }

    /// <summary>
    /// Whether <paramref name="set"/> must be re-created before the validation split of <paramref name="samples"/>
    /// may judge it: its models trained on all the samples under cross-validation
    /// (<see cref="PersonalModelSet.SawValidationSamples"/>) and the device has since grown to a validation
    /// split that decides on its own — which holds samples those models trained on and would favour them.
    /// </summary>
    public bool MustReinitialise(PersonalModelSet set, Dataset samples)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(samples);
        return set.SawValidationSamples && !UsesCrossValidation(Split.Split(samples));
    }

    /// <summary>
    /// Every candidate's model created afresh from <paramref name="global"/> (local-only: from seeded initial
    /// weights), the global model served; logged as a re-initialisation (event 122) with <paramref name="reason"/>.
    /// </summary>
    public PersonalModelSet ReinitialiseAll(ModelArchitecture architecture, ParameterSet global, ulong globalVersion, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var fresh = RebaseAll(null, architecture, global, globalVersion);
        PersonalizationLog.Reinitialised(_logger, globalVersion, reason);
        return fresh;
    }

    /// <summary>
    /// Whether a device with this split chooses its served model by <see cref="CrossValidate"/>:
    /// cross-validation is on, the validation split holds fewer than
    /// <see cref="PersonalizationOptions.CrossValidationBelow"/> samples, and all the samples together
    /// reach <see cref="PersonalizationOptions.MinValidationSamples"/> (and the number of folds).
    /// Otherwise the validation split decides (<see cref="ChooseAmong"/>), as before.
    /// </summary>
    public bool UsesCrossValidation(LocalSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        int samples = split.Train.Count + split.Validation.Count;
        return Options.CrossValidationFolds >= 2
            && split.Validation.Count < Options.CrossValidationBelow
            && samples >= Math.Max(Options.MinValidationSamples, Options.CrossValidationFolds);
    }

    /// <summary>
    /// Scores every model of <paramref name="set"/> by k-fold cross-validation over
    /// <paramref name="samples"/> (all the device's labelled samples): the samples are dealt into
    /// <see cref="PersonalizationOptions.CrossValidationFolds"/> stratified folds (<see cref="FoldAssignment"/>,
    /// seeded from this personalizer's generator); for each fold, a copy of each model as it is now is
    /// trained as <see cref="Train"/> would on the other folds and scored on the held-out one; the correct
    /// answers are summed over all folds. Call it <em>before</em> training the set on the samples, then
    /// <see cref="TrainAll"/> on all of them and <see cref="ChooseByCrossValidation"/>. The set's models are
    /// not changed.
    /// </summary>
    /// <remarks>
    /// Why: a device with ~30 samples has a validation split of ~6, on which the one-standard-error
    /// margin cannot move away from the global model; cross-validation scores every candidate on all n
    /// samples, so the same margin rule works from n. Cost: each candidate is trained k more times on
    /// (k−1)/k of the samples, i.e. about (k−1)+1 = k times the training of a run, which only happens
    /// below <see cref="PersonalizationOptions.CrossValidationBelow"/> validation samples, so on a bounded
    /// number of samples.
    /// </remarks>
    /// <returns>The scores; null when <paramref name="stillEligible"/> stopped a fold's training (no choice can be made from partial folds).</returns>
    /// <exception cref="ArgumentException">Cross-validation is off, there are fewer samples than folds, or the samples do not fit.</exception>
    public CrossValidationScores? CrossValidate(PersonalModelSet set, ParameterSet global, Dataset samples, Func<bool>? stillEligible = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(samples);
        int folds = Options.CrossValidationFolds;
        if (folds < 2 || samples.Count < folds)
        {
            throw new ArgumentException($"Cross-validation needs CrossValidationFolds ≥ 2 and at least as many samples ({samples.Count}) as folds ({folds}).", nameof(samples));
        }

        var architecture = set.Models[0].Architecture;
        RequireFits(architecture, global, samples);
        int[] fold = FoldAssignment.Stratified(samples.Labels, folds, _shuffle.Next());
        var globalResult = Evaluate(architecture, global, samples);
        var composed = new ParameterSet(architecture.Layout);
        long[] correct = new long[set.Models.Count];
        double[] lossSum = new double[set.Models.Count];
        long steps = 0;
        for (int f = 0; f < folds; f++)
        {
            int held = fold.Count(x => x == f);
            int[] trainRows = new int[samples.Count - held];
            int[] testRows = new int[held];
            for (int row = 0, t = 0, h = 0; row < samples.Count; row++)
            {
                if (fold[row] == f)
                {
                    testRows[h++] = row;
                }
                else
                {
                    trainRows[t++] = row;
                }
            }

            var foldTrain = samples.Select(trainRows);
            var foldTest = samples.Select(testRows);
            for (int i = 0; i < set.Models.Count; i++)
            {
                var model = set.Models[i];
                var copy = PersonalModel.FromParameters(model.Mode, model.Architecture, model.BaseVersion, model.LocalSteps, model.Parameters.Clone(), model.ProximalLambda);
                var trained = Train(copy, global, foldTrain, stillEligible, cancellationToken);
                steps += trained.Steps;
                if (trained.Outcome == PersonalTrainingOutcome.Interrupted)
                {
                    return null;
                }

                copy.ComposeInto(global, composed);
                var result = Evaluate(architecture, composed, foldTest);
                correct[i] += (long)Math.Round(result.Accuracy * result.Count);
                lossSum[i] += result.Loss * result.Count;
            }
        }

        var scores = new CandidateScore[set.Models.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = new CandidateScore(set.Models[i].Candidate.Name, (double)correct[i] / samples.Count, lossSum[i] / samples.Count);
        }

        return new CrossValidationScores(new CandidateScore(PersonalCandidate.GlobalName, globalResult.Accuracy, globalResult.Loss), scores, samples.Count, folds) { Steps = steps };
    }

    /// <summary>
    /// <see cref="ChooseAmong"/> from cross-validation scores: <see cref="ServingChoice.DecideAmong"/> with
    /// the pooled held-out accuracies and n = <see cref="CrossValidationScores.Samples"/> (the set's served
    /// model is the incumbent, the same one-standard-error margin); records and logs the choice.
    /// </summary>
    public ServingChoice ChooseByCrossValidation(PersonalModelSet set, CrossValidationScores scores)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Personal.Count != set.Models.Count)
        {
            throw new ArgumentException($"{scores.Personal.Count} scores for {set.Models.Count} candidates.", nameof(scores));
        }

        var choice = ServingChoice.DecideAmong(scores.Global, scores.Personal, scores.Samples, Options.MinValidationSamples, set.Served);
        choice = choice with { Reason = string.Create(CultureInfo.InvariantCulture, $"{scores.Folds}-fold cross-validation: {choice.Reason}") };
        set.Served = choice.ServedIndex;
        PersonalizationLog.Serving(_logger, choice.Served, choice.Reason);
        return choice;
    }

    /// <summary>Scores of every model of <paramref name="set"/> (in order) and of the global model on <paramref name="data"/>.</summary>
    public CandidateScore[] ScoreAll(PersonalModelSet set, ParameterSet global, Dataset data, out CandidateScore globalScore)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(data);
        var architecture = set.Models[0].Architecture;
        var globalResult = Evaluate(architecture, global, data);
        globalScore = new CandidateScore(PersonalCandidate.GlobalName, globalResult.Accuracy, globalResult.Loss);
        if (_composed is null || !_composed.Layout.Equals(architecture.Layout))
        {
            _composed = new ParameterSet(architecture.Layout);
        }

        var scores = new CandidateScore[set.Models.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            set.Models[i].ComposeInto(global, _composed);
            var result = Evaluate(architecture, _composed, data);
            scores[i] = new CandidateScore(set.Models[i].Candidate.Name, result.Accuracy, result.Loss);
        }

        return scores;
    }

    // ChooseAmong that also hands back the candidates' scores it decided on.
    private ServingChoice ScoreAndChoose(PersonalModelSet set, ParameterSet global, Dataset validation, out CandidateScore[] scores)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(validation);
        scores = ScoreAll(set, global, validation, out var globalScore);
        var choice = ServingChoice.DecideAmong(globalScore, scores, validation.Count, Options.MinValidationSamples, set.Served);
        set.Served = choice.ServedIndex;
        PersonalizationLog.Serving(_logger, choice.Served, choice.Reason);
        return choice;
    }

    // An empty validation split scores nothing: the global model, said so (the scores are NaN).
    private ServingChoice ChooseOnValidation(PersonalModelSet set, ParameterSet global, Dataset validation, out CandidateScore[] scores)
    {
        if (validation.Count > 0)
        {
            return ScoreAndChoose(set, global, validation, out scores);
        }

        scores = [.. set.Models.Select(m => new CandidateScore(m.Candidate.Name, double.NaN, double.NaN))];
        return ServeGlobal(set, $"no validation samples yet (at least {Options.MinValidationSamples} needed before a personal model may be served)");
    }

    private static void RequireNotTrainedOnValidation(PersonalModelSet set)
    {
        if (set.SawValidationSamples)
        {
            throw new InvalidOperationException("The validation split cannot judge models that trained on it: re-create them (ReinitialiseAll) before choosing on it.");
        }
    }

    private ServingChoice ServeGlobal(PersonalModelSet set, string reason)
    {
        set.Served = PersonalModelSet.GlobalServed;
        var choice = ServingChoice.GlobalOnly(reason);
        PersonalizationLog.Serving(_logger, choice.Served, choice.Reason);
        return choice;
    }

    // Why samples cannot train or judge the set's models (null when they can): data that is not the models' shape.
    private static string? Unusable(PersonalModelSet set, ParameterSet global, Dataset samples)
    {
        var architecture = set.Models[0].Architecture;
        if (!global.Layout.Equals(architecture.Layout))
        {
            throw new ArgumentException($"Parameters [{global.Layout}] do not fit {architecture}.", nameof(global));
        }

        return samples.FeatureCount != architecture.Inputs || samples.ClassCount > architecture.Classes
            ? $"the local samples ({samples.Count} of {samples.FeatureCount} features and {samples.ClassCount} classes) do not fit {architecture}: nothing trained, the global model is served"
            : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _headTrainer?.Dispose();
        _headTrainer = null;
        _fullTrainer?.Dispose();
        _fullTrainer = null;
    }

    private static PersonalModel? Find(PersonalModelSet? set, PersonalCandidate candidate, bool anyLambda)
    {
        if (set is null)
        {
            return null;
        }

        foreach (var model in set.Models)
        {
            if (model.Mode == candidate.Mode && (anyLambda || model.ProximalLambda == candidate.ProximalLambda))
            {
                return model;
            }
        }

        return null;
    }

    // A fixed Ditto mode keeps its model whatever λ it was stored with (it trains with the configured one).
    private PersonalModel? Find(PersonalModelSet? set, PersonalCandidate candidate) =>
        Find(set, candidate, anyLambda: Options.Mode != PersonalizationMode.Auto);

    private PersonalRebase RebaseOne(PersonalModel? current, PersonalCandidate candidate, ModelArchitecture architecture, ParameterSet global, ulong globalVersion)
    {
        if (current is null)
        {
            var created = Create(candidate, architecture, global, globalVersion);
            PersonalizationLog.Created(_logger, candidate.Mode, globalVersion, architecture);
            return new PersonalRebase(created, false, candidate.Mode == PersonalizationMode.LocalOnly
                ? "no personal model yet: created from the seeded initial weights"
                : "no personal model yet: created from the global model");
        }

        string? problem = current.Mode != candidate.Mode
            ? $"the stored personal model is {current.Mode}, the configured mode is {Options.Mode}"
            : !current.Architecture.Equals(architecture)
                ? $"the global model's architecture changed from {current.Architecture} to {architecture}; the personal {current.Mode} tensors do not fit it"
                : null;
        if (problem is not null)
        {
            var fresh = Create(candidate, architecture, global, globalVersion);
            PersonalizationLog.Reinitialised(_logger, globalVersion, problem);
            return new PersonalRebase(fresh, true, problem);
        }

        if (globalVersion == current.BaseVersion)
        {
            // A restart re-reads the same global model: nothing to re-base, nothing to log.
            return new PersonalRebase(current, false, "already based on this global version");
        }

        string reason = current.Mode switch
        {
            PersonalizationMode.Head => "kept the personal head; the new global body replaces the old one",
            PersonalizationMode.Ditto => "kept the personal weights; the new global weights are the proximal anchor",
            _ => "kept the local-only weights; they do not depend on the global model",
        };
        if (globalVersion < current.BaseVersion)
        {
            reason += " (the new global version is older than the one it was based on: a rollback)";
        }

        PersonalizationLog.Rebased(_logger, current.Mode, current.BaseVersion, globalVersion, reason);
        return new PersonalRebase(current.WithBaseVersion(globalVersion), false, reason);
    }

    private PersonalModel Create(PersonalCandidate candidate, ModelArchitecture architecture, ParameterSet global, ulong globalVersion) =>
        candidate.Mode == PersonalizationMode.LocalOnly
            // the same seeded initialisation the fleet starts from, drawn from this device's generator
            ? PersonalModel.FromGlobal(PersonalizationMode.LocalOnly, architecture, architecture.InitialParameters(_shuffle), globalVersion)
            : PersonalModel.FromGlobal(candidate.Mode, architecture, global, globalVersion, candidate.ProximalLambda);

    private PersonalTrainingResult Log(PersonalModel personal, PersonalTrainingResult result)
    {
        PersonalizationLog.Trained(_logger, personal.Mode, result.Outcome, result.Message);
        return result;
    }

    // Any trainer of the architecture evaluates (the eval graph is the plain forward pass);
    // a fresh one is the graph of the first candidate.
    private OrtTrainer EvaluatorFor(ModelArchitecture architecture) =>
        architecture.Equals(_trainerArchitecture) && (_fullTrainer ?? _headTrainer) is { } built
            ? built
            : TrainerFor(architecture, Options.Candidates()[0].Mode);

    private OrtTrainer TrainerFor(ModelArchitecture architecture, PersonalizationMode mode)
    {
        if (!architecture.Equals(_trainerArchitecture))
        {
            Dispose();
            _trainerArchitecture = architecture;
        }

        bool head = mode == PersonalizationMode.Head;
        var cached = head ? _headTrainer : _fullTrainer;
        if (cached is not null)
        {
            return cached;
        }

        var trainer = LoadTrainer(architecture, head);
        if (head)
        {
            _headTrainer = trainer;
        }
        else
        {
            _fullTrainer = trainer;
        }

        return trainer;
    }

    private OrtTrainer LoadTrainer(ModelArchitecture architecture, bool head)
    {
        // One artifact directory per (architecture, graph): the graphs depend on nothing else; the
        // weights, the anchor and λ are set per run. The full graph keeps the name it had when only
        // Ditto used it, so artifacts generated before LocalOnly and Auto existed are reused.
        var trainable = head ? TrainableSet.LastLayers(1) : TrainableSet.All;
        bool proximal = !head;
        string directory = Path.Combine(Options.ArtifactsDirectory, $"{architecture.Hash()[..16]}-personal-{(head ? "head" : "ditto")}");
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
