using System.CommandLine;

namespace FedEdge.Cli.Commands;

/// <summary><c>fededge artifacts</c>: writes the ONNX training artifacts for a model.</summary>
internal static class ArtifactsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("artifacts", "Generate training_model.onnx, eval_model.onnx, optimizer_model.onnx and checkpoint.");
        command.SetAction(_ =>
        {
            error.WriteLine("not yet implemented");
            output.Flush();
            return 1;
        });
        return command;
    }
}
