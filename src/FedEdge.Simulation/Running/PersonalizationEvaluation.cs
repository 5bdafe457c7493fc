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
/// <see cref="Personalizer"/> (the same split, training and serving rule as on a device), and is
/// scored on its own held-out samples with the global, the personal, a local-only and the served model.
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
            var split = personalizer.Split.Split(train);
            // As on a device that enrolled at the start: the personal model is created from the first
            // global model, then re-based on the newest (head: kept head, new body; ditto: kept w, new anchor).
            var personal = personalizer.Rebase(null, architecture, initialGlobal, 1).Model;
            personal = personalizer.Rebase(personal, architecture, global, globalVersion).Model;
            personalizer.Train(personal, global, split.Train, null, cancellationToken);
            var composed = personal.Compose(global);
            var choice = personalizer.ChooseServed(personal, global, split.Validation);
            globalAccuracy[d] = personalizer.Evaluate(architecture, global, test).Accuracy;
            personalAccuracy[d] = personalizer.Evaluate(architecture, composed, test).Accuracy;
            personalServed[d] = choice.Served == ServedModel.Personal;
            served[d] = personalServed[d] ? personalAccuracy[d] : globalAccuracy[d];
            localOnly[d] = LocalOnly(architecture, train, test, trainers, options, seed + d, cancellationToken);
        }

        return new PersonalizationResult(options.Mode.ToString().ToLowerInvariant(), globalAccuracy, personalAccuracy, localOnly, served, personalServed);
    }

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
