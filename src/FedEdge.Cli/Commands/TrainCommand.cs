using System.CommandLine;
using System.Globalization;
using FedEdge.Core.Data;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Models;
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
        var command = new Command("train", "Train a model centrally and report train/test accuracy.")
        {
            data, epochs, model, hidden, trainable, optimizer, batch, lr, testFraction, seed, threads, outDir,
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
                TrainingArtifactGenerator.Generate(architecture, TrainableSet.Parse(parse.GetValue(trainable)!), optimizerSettings, directory, seed: parse.GetValue(seed));

                int batchSize = parse.GetValue(batch);
                int epochCount = parse.GetValue(epochs);
                float learningRate = parse.GetValue(lr);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"data: {source}: {dataset.Count} samples, {dataset.FeatureCount} features, {dataset.ClassCount} classes; train {train.Count} / test {test.Count} (stratified, seed {parse.GetValue(seed)})"));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"model: {architecture} ({architecture.Layout.TotalLength} parameters), {optimizerSettings.Kind} lr {learningRate}, batch {batchSize}, {epochCount} epochs, {parse.GetValue(threads)} thread(s)"));

                using var trainer = OrtTrainer.Load(directory, new TrainerOptions { Threads = parse.GetValue(threads), MaxBatchSize = Math.Max(256, batchSize) });
                int every = Math.Max(1, epochCount / 10);
                CentralTraining.Run(trainer, train, epochCount, batchSize, learningRate, new Random(parse.GetValue(seed)), (epoch, loss) =>
                {
                    if (epoch % every == 0 || epoch == epochCount)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch,4}  loss {loss:F4}"));
                    }
                }, cancellationToken);

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
            catch (Exception ex) when (ex is DatasetFormatException or ArgumentException or FormatException or FileNotFoundException or TrainingArtifactException)
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
