using System.CommandLine;
using FedEdge.Cli.Conventions;
using FedEdge.Core.Models;
using FedEdge.Onnx.Artifacts;

namespace FedEdge.Cli.Commands;

/// <summary><c>fededge artifacts</c>: writes the training artifacts for a model (training, eval and optimizer graphs, checkpoint, manifest).</summary>
internal static class ArtifactsCommand
{
    public static Command Create(TextWriter output)
    {
        var model = ModelOptions.Kind();
        var inputs = new Option<int>("--inputs") { Description = "Input features per sample.", Required = true }.InRange(1, ModelArchitecture.MaxWidth);
        var hidden = ModelOptions.Hidden();
        var classes = new Option<int>("--classes") { Description = "Number of classes.", Required = true }.InRange(2, ModelArchitecture.MaxWidth);
        var trainable = ModelOptions.Trainable();
        var optimizer = ModelOptions.Optimizer();
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights.", DefaultValueFactory = _ => 0 };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Directory to write the artifacts to (created if needed).", Required = true };
        var command = new Command("artifacts", "Generate training_model.onnx, eval_model.onnx, optimizer_model.onnx, checkpoint and artifacts.json.")
        {
            model, inputs, hidden, classes, trainable, optimizer, seed, outDir,
        };
        command.SetAction(parse =>
        {
            ModelOptions.CheckTrainable(parse.GetValue(model)!, parse.GetValue(hidden)!, parse.GetValue(trainable)!);
            var architecture = ModelOptions.Architecture(parse.GetValue(model)!, parse.GetValue(inputs), parse.GetValue(hidden)!, parse.GetValue(classes), "--inputs/--hidden/--classes");
            string directory = OutputDirectory.EnsureWritable("--out", parse.GetValue(outDir)!.FullName);
            var set = TrainingArtifactGenerator.Generate(
                architecture,
                TrainableSet.Parse(parse.GetValue(trainable)!),
                ModelOptions.OptimizerSettings(parse.GetValue(optimizer)!),
                directory,
                seed: parse.GetValue(seed));
            output.WriteLine($"{architecture} ({architecture.Layout.TotalLength} parameters, trainable: {parse.GetValue(trainable)})");
            foreach (string path in set.All)
            {
                output.WriteLine($"  {path}  {new FileInfo(path).Length} bytes");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
