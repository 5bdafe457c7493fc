using FedEdge.Aggregation.Engine;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Running;

namespace FedEdge.Cli.Commands;

/// <summary>Named option sets for <c>fededge simulate --preset</c>.</summary>
internal static class SimulationPresets
{
    public static IReadOnlyList<string> Names { get; } = ["default", "ftte-paper"];

    /// <summary>
    /// The FTTE evaluation (Jia et al., arXiv 2510.03165, §V): digits, Dirichlet(0.3) non-IID, 90 %
    /// stragglers, FedAvg vs FedBuff vs FTTE over three seeds. The fleet size comes from --devices (100 or 500).
    /// The digits file is found by the command, and only if the run still uses digits after the explicit options.
    /// </summary>
    public static SimulationOptions FttePaper() => new()
    {
        Devices = 100,
        Strategies = [StrategyKind.FedAvg, StrategyKind.FedBuff, StrategyKind.Ftte],
        Dataset = new DatasetSource(DatasetKind.Digits),
        Partition = PartitionSpec.Dirichlet(0.3),
        Hidden = [32],
        StragglerFraction = 0.9,
        Seeds = [0, 1, 2],
        TargetAccuracy = 0.85,
        MaxTime = TimeSpan.FromHours(12),
        MainsFraction = 0.3,
    };
}
