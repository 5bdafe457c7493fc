using System.CommandLine;
using FedEdge.Cli.Commands;

namespace FedEdge.Cli;

/// <summary>Builds the <c>fededge</c> command tree. Output goes to the writers handed in, so tests can read it.</summary>
internal static class CliApplication
{
    /// <summary>Exit code for bad input (a malformed file, an option out of range).</summary>
    public const int BadInput = 2;

    public static RootCommand Create(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("FedEdge: private on-device federated learning for the smart home.");
        root.Subcommands.Add(ArtifactsCommand.Create(output, error));
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(PrivacyCommand.Create(output, error));
        root.Subcommands.Add(SimulateCommand.Create(output, error));
        return root;
    }
}
