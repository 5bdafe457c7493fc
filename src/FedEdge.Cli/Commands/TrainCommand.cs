using System.CommandLine;

namespace FedEdge.Cli.Commands;

/// <summary><c>fededge train</c>: trains centrally (the baseline for federated runs).</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("train", "Train a model centrally and report train/test accuracy.");
        command.SetAction(_ =>
        {
            error.WriteLine("not yet implemented");
            output.Flush();
            return 1;
        });
        return command;
    }
}
