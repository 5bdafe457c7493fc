using System.Globalization;
using FedEdge.Device.Contribution;
using FedEdge.Device.Personalization;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Training;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Results;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Running;

/// <summary>
/// Evaluates personalization at the end of a run: every device's personal model starts from the
/// first global model (as on a device that enrolled at the start), is re-based on the final global
/// model and trained on the device's own training samples with the agent's
/// <see cref="Personalizer"/> (the same split, training and serving rule as on a device; in Auto mode
/// every candidate), and is scored on its own held-out samples with the global, the personal, a
/// local-only and the served model, and every candidate.
/// </summary>
internal static class PersonalizationEvaluation
{
    /// <summary>Epochs of the local-only baseline (from the seeded initial weights).</summary>
    public const int LocalOnlyEpochs = 50;

    public static PersonalizationResult Run(
        PersonalizationOptions options,
        ModelArchitecture architecture,
        ParameterSet initialGlobal,
        ParameterSet global,
        ulong globalVersion,
        FederatedData data,
        LocalTrainers trainers,
        int seed,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        int devices = data.Train.Count;
        var globalAccuracy = new double?[devices];
        var personalAccuracy = new double?[devices];
        var localOnly = new double?[devices];
        var served = new double?[devices];
        var personalServed = new bool[devices];
        var servedKind = new string?[devices];
        var bestCandidate = new double?[devices];
        var chosenOn = new string?[devices];
        var candidates = new Dictionary<string, double?[]>(StringComparer.Ordinal);
        foreach (var candidate in options.Candidates())
        {
            candidates[candidate.Name] = new double?[devices];
        }

        using var personalizer = new Personalizer(options, new Random(seed), logger);
        for (int d = 0; d < devices; d++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var test = data.DeviceTest[d];
            if (test.Count == 0)
            {
                continue;
            }

            var train = data.Train[d];
            // As on a device that enrolled at the start: the personal models are created from the first
            // global model (local-only: from the seeded initial weights), then re-based on the newest
            // (head: kept head, new body; ditto: kept w, new anchor), trained and chosen among by the
            // agent's own run (k-fold cross-validation over all the training samples on a small
            // validation split, else the validation split).
            var set = personalizer.RebaseAll(null, architecture, initialGlobal, 1);
            set = personalizer.RebaseAll(set, architecture, global, globalVersion);
            var run = personalizer.TrainAndChoose(set, global, train, null, cancellationToken);
            var choice = run.Choice ?? throw new InvalidOperationException("A run that nothing stops always chooses.");
            var validation = run.Scores;
            chosenOn[d] = run.CrossValidation is { } scored
                ? string.Create(CultureInfo.InvariantCulture, $"{scored.Folds}-fold:{scored.Samples}")
                : string.Create(CultureInfo.InvariantCulture, $"validation:{personalizer.Split.Split(train).Validation.Count}");

            // Which personal candidate wins on validation (the "personal" column), as DecideAmong ranks them.
            int bestOnValidation = 0;
            for (int i = 1; i < validation.Count; i++)
            {
                if (validation[i].Accuracy > validation[bestOnValidation].Accuracy
                    || (validation[i].Accuracy == validation[bestOnValidation].Accuracy && validation[i].Loss < validation[bestOnValidation].Loss))
                {
                    bestOnValidation = i;
                }
            }

            var scores = personalizer.ScoreAll(set, global, test, out var globalScore);
            globalAccuracy[d] = globalScore.Accuracy;
            double best = globalScore.Accuracy;
            for (int i = 0; i < scores.Length; i++)
            {
                candidates[scores[i].Name][d] = scores[i].Accuracy;
                best = Math.Max(best, scores[i].Accuracy);
            }

            personalAccuracy[d] = scores[bestOnValidation].Accuracy;
            personalServed[d] = choice.Served == ServedModel.Personal;
            served[d] = personalServed[d] ? scores[choice.ServedIndex].Accuracy : globalScore.Accuracy;
            servedKind[d] = choice.ServedName;
            bestCandidate[d] = best;
            localOnly[d] = LocalOnly(architecture, train, test, trainers, options, seed + d, cancellationToken);
        }

        return new PersonalizationResult(
            Name(options.Mode), globalAccuracy, personalAccuracy, localOnly, served, personalServed, servedKind, bestCandidate,
            candidates.ToDictionary(c => c.Key, c => (IReadOnlyList<double?>)c.Value, StringComparer.Ordinal), chosenOn);
    }

    /// <summary>The mode as the CLI spells it.</summary>
    public static string Name(PersonalizationMode mode) => mode == PersonalizationMode.LocalOnly ? "local-only" : mode.ToString().ToLowerInvariant();

    private static double LocalOnly(ModelArchitecture architecture, Dataset train, Dataset test, LocalTrainers trainers, PersonalizationOptions options, int seed, CancellationToken cancellationToken)
    {
        var trainer = trainers.Get(architecture, perExampleClipping: false, options.BatchSize);
        trainer.Parameters.CopyFrom(architecture.InitialParameters(new Random(seed)));
        trainer.Checkpoint.OptimizerState.Clear();
        if (train.Count > 0)
        {
            CentralTraining.Run(trainer, train, LocalOnlyEpochs, options.BatchSize, options.LearningRate, new Random(seed), null, cancellationToken);
        }

        return trainer.Evaluate(test).Accuracy;
    }
}
