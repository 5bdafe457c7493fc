using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using FedEdge.Cli.Conventions;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Privacy;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Datasets;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Cli.Commands;

/// <summary>
/// <c>fededge train</c>: trains a model centrally on a CSV file or the built-in synthetic
/// smart-home data and prints train/test accuracy — the baseline for every federated run.
/// </summary>
internal static class TrainCommand
{
    /// <summary>Largest --batch-size: the trainer sizes its input buffers for it once (<see cref="TrainerOptions"/> allows 65536).</summary>
    private const int MaxBatchSize = 65536;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var data = new Option<FileInfo?>("--data") { Description = "CSV (.csv or .csv.gz): one sample per row, integer label last. Default: synthetic smart-home activity data." }.ExistingFile();
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training split, 1..10000.", DefaultValueFactory = _ => 30 }.InRange(1, 10_000);
        var model = ModelOptions.Kind();
        var hidden = ModelOptions.Hidden();
        var trainable = ModelOptions.Trainable();
        var optimizer = ModelOptions.Optimizer();
        var batch = new Option<int>("--batch-size") { Description = $"Mini-batch size, 1..{MaxBatchSize}.", DefaultValueFactory = _ => 32 }.InRange(1, MaxBatchSize);
        var lr = new Option<float>("--lr") { Description = "Learning rate (positive).", DefaultValueFactory = _ => 0.01f }.Positive();
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of each class held out for testing, in (0, 1).", DefaultValueFactory = _ => 0.2 }.OpenUnitInterval();
        var seed = new Option<int>("--seed") { Description = "Seed for data, split, initial weights and shuffling.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads, 1..64.", DefaultValueFactory = _ => 1 }.InRange(1, 64);
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Keep the artifacts, the trained checkpoint and model.onnx in this directory (created if needed)." };
        var dpEpsilon = new Option<double?>("--dp-epsilon") { Description = "Train with DP-SGD at this ε: the accountant picks the smallest σ for the planned steps." }.Positive();
        var dpDelta = new Option<double>("--dp-delta") { Description = "δ for --dp-epsilon, in (0, 1).", DefaultValueFactory = _ => 1e-5 }.OpenUnitInterval();
        var clip = new Option<float>("--clip") { Description = "DP-SGD per-example clipping norm C (positive).", DefaultValueFactory = _ => 1.0f }.Positive();
        var json = new Option<bool>("--json") { Description = "Print one JSON summary object on stdout; the progress lines go to stderr." };
        var command = new Command("train", "Train a model centrally and report train/test accuracy.")
        {
            data, epochs, model, hidden, trainable, optimizer, batch, lr, testFraction, seed, threads, outDir, dpEpsilon, dpDelta, clip, json,
        };

        command.OnlyWith(dpDelta, dpEpsilon);
        command.OnlyWith(clip, dpEpsilon);

        command.SetAction(async (parse, cancellationToken) =>
        {
            long started = Stopwatch.GetTimestamp();
            TextWriter human = parse.GetValue(json) ? error : output;
            ModelOptions.CheckTrainable(parse.GetValue(model)!, parse.GetValue(hidden)!, parse.GetValue(trainable)!);
            string? keep = parse.GetValue(outDir) is { } o ? OutputDirectory.EnsureWritable("--out", o.FullName) : null;
            int seedValue = parse.GetValue(seed);
            var (dataset, source) = await Load(parse.GetValue(data), seedValue, cancellationToken).ConfigureAwait(false);
            if (dataset.ClassCount < 2)
            {
                throw new UsageException($"--data {source}: every label is {dataset.Label(0)}; a classifier needs at least two classes.");
            }

            var (train, test) = dataset.StratifiedSplit(parse.GetValue(testFraction), new Random(seedValue));
            var standardization = FeatureStandardization.Fit(train);
            train = standardization.Apply(train);
            test = standardization.Apply(test);

            int batchSize = parse.GetValue(batch);
            int epochCount = parse.GetValue(epochs);
            float learningRate = parse.GetValue(lr);
            DpSgdPlan? dp = parse.GetValue(dpEpsilon) is double epsilon
                ? DpSgdPlan.For(epsilon, parse.GetValue(dpDelta), parse.GetValue(clip), batchSize, epochCount, train.Count)
                : null;

            var architecture = ModelOptions.Architecture(parse.GetValue(model)!, dataset.FeatureCount, parse.GetValue(hidden)!, dataset.ClassCount, "--data/--hidden");
            var optimizerSettings = ModelOptions.OptimizerSettings(parse.GetValue(optimizer)!);
            string directory = keep ?? Directory.CreateTempSubdirectory("fededge-train-").FullName;
            try
            {
                TrainingArtifactGenerator.Generate(architecture, TrainableSet.Parse(parse.GetValue(trainable)!), optimizerSettings, directory,
                    seed: seedValue, perExampleClipping: dp is not null);

                human.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"data: {source}: {dataset.Count} samples, {dataset.FeatureCount} features, {dataset.ClassCount} classes; train {train.Count} / test {test.Count} (stratified, seed {seedValue})"));
                human.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"model: {architecture} ({architecture.Layout.TotalLength} parameters), {optimizerSettings.Kind} lr {learningRate}, batch {batchSize}, {epochCount} epochs, {parse.GetValue(threads)} thread(s)"));

                using var trainer = OrtTrainer.Load(directory, new TrainerOptions { Threads = parse.GetValue(threads), MaxBatchSize = Math.Max(256, batchSize) });
                var losses = new List<double>(epochCount);
                int every = Math.Max(1, epochCount / 10);
                void Report(int epoch, double loss)
                {
                    losses.Add(loss);
                    if (epoch % every == 0 || epoch == epochCount)
                    {
                        human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch,4}  loss {loss:F4}"));
                    }
                }

                long trainingStarted = Stopwatch.GetTimestamp();
                DpSgdSummary? privacy = null;
                if (dp is not null)
                {
                    privacy = TrainPrivately(human, trainer, train, dp, learningRate, Report, cancellationToken);
                }
                else
                {
                    CentralTraining.Run(trainer, train, epochCount, batchSize, learningRate, new Random(seedValue), Report, cancellationToken);
                }

                double trainSeconds = Stopwatch.GetElapsedTime(trainingStarted).TotalSeconds;
                var trainResult = trainer.Evaluate(train);
                var testResult = trainer.Evaluate(test);
                human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train accuracy: {trainResult.Accuracy:F4}  (loss {trainResult.Loss:F4})"));
                human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy:  {testResult.Accuracy:F4}  (loss {testResult.Loss:F4})"));
                if (keep is not null)
                {
                    trainer.SaveCheckpoint(Path.Combine(keep, ArtifactNames.Checkpoint));
                    trainer.ExportInferenceModel(Path.Combine(keep, ArtifactNames.InferenceModel));
                    human.WriteLine($"saved: {keep}");
                }

                double totalSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time: training {trainSeconds:F2} s, total {totalSeconds:F2} s"));
                if (parse.GetValue(json))
                {
                    var summary = new TrainSummary(
                        source, dataset.Count, dataset.FeatureCount, dataset.ClassCount, train.Count, test.Count,
                        architecture.ToString(), architecture.Layout.TotalLength, parse.GetValue(trainable)!, optimizerSettings.Kind.ToString(),
                        learningRate, batchSize, epochCount, parse.GetValue(threads), seedValue, losses,
                        trainResult.Accuracy, trainResult.Loss, testResult.Accuracy, testResult.Loss, privacy, trainSeconds, totalSeconds, keep);
                    await output.WriteLineAsync(JsonSerializer.Serialize(summary, TrainSummaryJsonContext.Default.TrainSummary)).ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }
            finally
            {
                if (keep is null)
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        });
        return command;
    }

    /// <summary>DP-SGD with Poisson sampling at rate q for <c>epochs/q</c> steps, under the σ of <paramref name="plan"/>.</summary>
    private static DpSgdSummary TrainPrivately(
        TextWriter output, OrtTrainer trainer, Dataset train, DpSgdPlan plan, float learningRate, Action<int, double> report, CancellationToken cancellationToken)
    {
        output.WriteLine("note: the feature standardisation (mean/std of the training split) is computed without DP; ε covers the SGD steps.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dp-sgd: target ε = {plan.TargetEpsilon:G4}, δ = {plan.Delta:G3}: q = {plan.SamplingRate:G4}, {plan.Steps} steps, clip C = {plan.Clip:G4} → σ = {plan.Sigma:G5}"));

        using var rng = RandomNumberGenerator.Create();
        using var noise = new GaussianNoise(rng);
        var dp = new DpSgd(trainer, new DpSgdSettings(plan.SamplingRate, plan.Sigma, plan.Clip), noise, new SecureRandomBits(rng), train.Count);
        for (int epoch = 1; epoch <= plan.Epochs; epoch++)
        {
            double lossSum = 0;
            int batches = 0;
            for (long step = 0; step < plan.StepsPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                float loss = dp.Step(train, learningRate);
                if (!float.IsNaN(loss))
                {
                    lossSum += loss;
                    batches++;
                }
            }

            report(epoch, batches == 0 ? double.NaN : lossSum / batches);
        }

        var spent = new RdpAccountant().GetPrivacySpent(dp.Mechanism(plan.Steps), plan.Delta);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"privacy spent: ε = {spent.Epsilon:F4} at δ = {plan.Delta:G3} (RDP order {spent.Order:G4}; q = {plan.SamplingRate:G4}, σ = {plan.Sigma:G5}, {plan.Steps} steps)"));
        return new DpSgdSummary(plan.TargetEpsilon, plan.Delta, plan.Clip, plan.SamplingRate, plan.Steps, plan.Sigma, spent.Epsilon, spent.Order);
    }

    private static async Task<(Dataset Data, string Source)> Load(FileInfo? file, int seed, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            const int homes = 20;
            const int samplesPerHome = 150;
            var generated = new SmartHomeActivityGenerator(seed).Generate(homes, samplesPerHome);
            return (generated.Pooled, $"synthetic smart-home activity ({homes} homes × {samplesPerHome} windows, seed {seed})");
        }

        var dataset = await new CsvDatasetReader().ReadAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        return (dataset, file.Name);
    }
}
