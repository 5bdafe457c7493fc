using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Core.Data;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
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
    public static Command Create(TextWriter output, TextWriter error)
    {
        var data = new Option<FileInfo?>("--data") { Description = "CSV (.csv or .csv.gz): one sample per row, integer label last. Default: synthetic smart-home activity data." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training split.", DefaultValueFactory = _ => 30 };
        var model = ModelOptions.Kind();
        var hidden = ModelOptions.Hidden();
        var trainable = ModelOptions.Trainable();
        var optimizer = ModelOptions.Optimizer();
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 32 };
        var lr = new Option<float>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.01f };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of each class held out for testing.", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<int>("--seed") { Description = "Seed for data, split, initial weights and shuffling.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads.", DefaultValueFactory = _ => 1 };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Keep the artifacts, the trained checkpoint and model.onnx in this directory." };
        var dpEpsilon = new Option<double?>("--dp-epsilon") { Description = "Train with DP-SGD at this ε: the accountant picks the smallest σ for the planned steps." };
        var dpDelta = new Option<double>("--dp-delta") { Description = "δ for --dp-epsilon.", DefaultValueFactory = _ => 1e-5 };
        var clip = new Option<float>("--clip") { Description = "DP-SGD per-example clipping norm C.", DefaultValueFactory = _ => 1.0f };
        var command = new Command("train", "Train a model centrally and report train/test accuracy.")
        {
            data, epochs, model, hidden, trainable, optimizer, batch, lr, testFraction, seed, threads, outDir, dpEpsilon, dpDelta, clip,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            string? temporary = null;
            try
            {
                var (dataset, source) = await Load(parse.GetValue(data), parse.GetValue(seed), cancellationToken).ConfigureAwait(false);
                var (train, test) = dataset.StratifiedSplit(parse.GetValue(testFraction), new Random(parse.GetValue(seed)));
                var standardization = FeatureStandardization.Fit(train);
                train = standardization.Apply(train);
                test = standardization.Apply(test);

                var architecture = ModelOptions.Architecture(parse.GetValue(model)!, dataset.FeatureCount, parse.GetValue(hidden)!, dataset.ClassCount);
                var optimizerSettings = ModelOptions.OptimizerSettings(parse.GetValue(optimizer)!);
                string directory = parse.GetValue(outDir)?.FullName ?? (temporary = Directory.CreateTempSubdirectory("fededge-train-").FullName);
                double? targetEpsilon = parse.GetValue(dpEpsilon);
                TrainingArtifactGenerator.Generate(architecture, TrainableSet.Parse(parse.GetValue(trainable)!), optimizerSettings, directory,
                    seed: parse.GetValue(seed), perExampleClipping: targetEpsilon is not null);

                int batchSize = parse.GetValue(batch);
                int epochCount = parse.GetValue(epochs);
                float learningRate = parse.GetValue(lr);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"data: {source}: {dataset.Count} samples, {dataset.FeatureCount} features, {dataset.ClassCount} classes; train {train.Count} / test {test.Count} (stratified, seed {parse.GetValue(seed)})"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"model: {architecture} ({architecture.Layout.TotalLength} parameters), {optimizerSettings.Kind} lr {learningRate}, batch {batchSize}, {epochCount} epochs, {parse.GetValue(threads)} thread(s)"));

                using var trainer = OrtTrainer.Load(directory, new TrainerOptions { Threads = parse.GetValue(threads), MaxBatchSize = Math.Max(256, batchSize) });
                int every = Math.Max(1, epochCount / 10);
                void Report(int epoch, double loss)
                {
                    if (epoch % every == 0 || epoch == epochCount)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch,4}  loss {loss:F4}"));
                    }
                }

                if (targetEpsilon is double epsilon)
                {
                    TrainPrivately(output, trainer, train, epsilon, parse.GetValue(dpDelta), parse.GetValue(clip), batchSize, epochCount, learningRate, Report, cancellationToken);
                }
                else
                {
                    CentralTraining.Run(trainer, train, epochCount, batchSize, learningRate, new Random(parse.GetValue(seed)), Report, cancellationToken);
                }

                var trainResult = trainer.Evaluate(train);
                var testResult = trainer.Evaluate(test);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train accuracy: {trainResult.Accuracy:F4}  (loss {trainResult.Loss:F4})"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy:  {testResult.Accuracy:F4}  (loss {testResult.Loss:F4})"));
                if (temporary is null)
                {
                    trainer.SaveCheckpoint(Path.Combine(directory, ArtifactNames.Checkpoint));
                    trainer.ExportInferenceModel(Path.Combine(directory, ArtifactNames.InferenceModel));
                    output.WriteLine($"saved: {directory}");
                }

                return 0;
            }
            catch (Exception ex) when (ex is DatasetFormatException or ArgumentException or FormatException or IOException or UnauthorizedAccessException or TrainingArtifactException)
            {
                await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return CliApplication.BadInput;
            }
            finally
            {
                if (temporary is not null)
                {
                    Directory.Delete(temporary, recursive: true);
                }
            }
        });
        return command;
    }

    /// <summary>
    /// DP-SGD with Poisson sampling at q = batch/n for epochs/q steps; σ is the smallest noise
    /// multiplier the RDP accountant allows for (ε, δ) over those steps.
    /// </summary>
    private static void TrainPrivately(
        TextWriter output, OrtTrainer trainer, Dataset train, double epsilon, double delta, float clip,
        int batchSize, int epochs, float learningRate, Action<int, double> report, CancellationToken cancellationToken)
    {
        double q = Math.Min(1.0, (double)batchSize / train.Count);
        long stepsPerEpoch = (long)Math.Ceiling(1.0 / q);
        long steps = stepsPerEpoch * epochs;
        var accountant = new RdpAccountant();
        double sigma = accountant.MinimumNoiseMultiplier(epsilon, delta, q, steps);
        output.WriteLine("note: the feature standardisation (mean/std of the training split) is computed without DP; ε covers the SGD steps.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dp-sgd: target ε = {epsilon:G4}, δ = {delta:G3}: q = {q:G4}, {steps} steps, clip C = {clip:G4} → σ = {sigma:G5}"));

        using var rng = RandomNumberGenerator.Create();
        using var noise = new GaussianNoise(rng);
        var dp = new DpSgd(trainer, new DpSgdSettings(q, sigma, clip), noise, new SecureRandomBits(rng), train.Count);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            double lossSum = 0;
            int batches = 0;
            for (long step = 0; step < stepsPerEpoch; step++)
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

        var spent = accountant.GetPrivacySpent(dp.Mechanism(steps), delta);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"privacy spent: ε = {spent.Epsilon:F4} at δ = {delta:G3} (RDP order {spent.Order:G4}; q = {q:G4}, σ = {sigma:G5}, {steps} steps)"));
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
