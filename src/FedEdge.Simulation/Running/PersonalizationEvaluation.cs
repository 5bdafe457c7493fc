using System.Globalization;
using System.Runtime.ExceptionServices;
using FedEdge.Device.Contribution;
using FedEdge.Device.Personalization;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Training;
using FedEdge.Simulation.Clock;
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

    /// <remarks>
    /// <paramref name="workers"/> devices are evaluated at once, each worker with its own personalizer and trainers (their
    /// artifacts under <paramref name="artifactsDirectory"/>). Every device's randomness comes from
    /// <paramref name="seed"/> and its index, so the result does not depend on the number of workers.
    /// </remarks>
    public static PersonalizationResult Run(
        PersonalizationOptions options,
        ModelArchitecture architecture,
        ParameterSet initialGlobal,
        ParameterSet global,
        ulong globalVersion,
        FederatedData data,
        string artifactsDirectory,
        int seed,
        int workers,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        int devices = data.Train.Count;
        var results = new Results(devices, options.Candidates());
        var work = new Work(options, architecture, initialGlobal, global, globalVersion, data, seed, logger);
        int next = -1;
        try
        {
            Parallel.For(0, Math.Min(workers, Math.Max(devices, 1)), new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken }, worker =>
            {
                string directory = Path.Combine(artifactsDirectory, string.Create(CultureInfo.InvariantCulture, $"worker{worker}"));
                var shuffle = new ReseedableRandom(seed);
                using var personalizer = new Personalizer(options with { ArtifactsDirectory = Path.Combine(directory, "personal") }, shuffle, logger);
                using var trainers = new LocalTrainers(Path.Combine(directory, "local-only"));
                for (int d = Interlocked.Increment(ref next); d < devices; d = Interlocked.Increment(ref next))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    shuffle.Reseed(SeedDerivation.Derive(seed, d, PersonalizationStream));
                    work.Evaluate(d, personalizer, trainers, results, cancellationToken);
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }

        return results.ToResult(Name(options.Mode));
    }

    /// <summary>The mode as the CLI spells it.</summary>
    public static string Name(PersonalizationMode mode) => mode == PersonalizationMode.LocalOnly ? "local-only" : mode.ToString().ToLowerInvariant();

    // the device streams 1 and 2 are the scheduler's and the agent's (VirtualDevice)
    private const int PersonalizationStream = 3;

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

    private sealed record Work(
        PersonalizationOptions Options,
        ModelArchitecture Architecture,
        ParameterSet InitialGlobal,
        ParameterSet Global,
        ulong GlobalVersion,
        FederatedData Data,
        int Seed,
        ILogger Logger)
    {
        public void Evaluate(int d, Personalizer personalizer, LocalTrainers trainers, Results results, CancellationToken cancellationToken)
        {
            var test = Data.DeviceTest[d];
            if (test.Count == 0)
            {
                return;
            }

            var train = Data.Train[d];
            // As on a device that enrolled at the start: the personal models are created from the first
            // global model (local-only: from the seeded initial weights), then re-based on the newest
            // (head: kept head, new body; ditto: kept w, new anchor), trained and chosen among by the
            // agent's own run (k-fold cross-validation over all the training samples on a small
            // validation split, else the validation split).
            var set = personalizer.RebaseAll(null, Architecture, InitialGlobal, 1);
            set = personalizer.RebaseAll(set, Architecture, Global, GlobalVersion);
            var run = personalizer.TrainAndChoose(set, Global, train, null, cancellationToken);
            var choice = run.Choice ?? throw new InvalidOperationException("A run that nothing stops always chooses.");
            var validation = run.Scores;
            results.ChosenOn[d] = run.CrossValidation is { } scored
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

            var scores = personalizer.ScoreAll(set, Global, test, out var globalScore);
            results.Global[d] = globalScore.Accuracy;
            double best = globalScore.Accuracy;
            for (int i = 0; i < scores.Length; i++)
            {
                results.Candidates[scores[i].Name][d] = scores[i].Accuracy;
                best = Math.Max(best, scores[i].Accuracy);
            }

            results.Personal[d] = scores[bestOnValidation].Accuracy;
            results.PersonalServed[d] = choice.Served == ServedModel.Personal;
            results.Served[d] = results.PersonalServed[d] ? scores[choice.ServedIndex].Accuracy : globalScore.Accuracy;
            results.ServedKind[d] = choice.ServedName;
            results.BestCandidate[d] = best;
            results.LocalOnly[d] = LocalOnly(Architecture, train, test, trainers, Options, Seed + d, cancellationToken);
        }
    }

    // one slot per device: each worker writes only the slots of the devices it took
    private sealed class Results(int devices, IReadOnlyList<PersonalCandidate> candidates)
    {
        public double?[] Global { get; } = new double?[devices];

        public double?[] Personal { get; } = new double?[devices];

        public double?[] LocalOnly { get; } = new double?[devices];

        public double?[] Served { get; } = new double?[devices];

        public bool[] PersonalServed { get; } = new bool[devices];

        public string?[] ServedKind { get; } = new string?[devices];

        public double?[] BestCandidate { get; } = new double?[devices];

        public string?[] ChosenOn { get; } = new string?[devices];

        public Dictionary<string, double?[]> Candidates { get; } = candidates.ToDictionary(c => c.Name, _ => new double?[devices], StringComparer.Ordinal);

        public PersonalizationResult ToResult(string mode) => new(
            mode, Global, Personal, LocalOnly, Served, PersonalServed, ServedKind, BestCandidate,
            Candidates.ToDictionary(c => c.Key, c => (IReadOnlyList<double?>)c.Value, StringComparer.Ordinal), ChosenOn);
    }
}
