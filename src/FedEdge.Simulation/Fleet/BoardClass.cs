namespace FedEdge.Simulation.Fleet;

/// <summary>
/// A class of board in the fleet and what it offers local training.
/// </summary>
/// <param name="Name">The memory class as devices report it (DeviceStatus.memory_class).</param>
/// <param name="Share">Fraction of the fleet made of this board.</param>
/// <param name="TrainingBudgetBytes">Memory the agent may give local training on this board; the FTTE server fits its subset to the smallest.</param>
/// <param name="SamplesPerSecond">Median local-training throughput (sample·epoch per second) for the simulated model.</param>
/// <param name="UplinkBytesPerSecond">Median upload bandwidth.</param>
public sealed record BoardClass(string Name, double Share, long TrainingBudgetBytes, double SamplesPerSecond, double UplinkBytesPerSecond)
{
    /// <summary>
    /// The default fleet mix. Throughputs are relative to the Pi 4 (Cortex-A72 at 1.5 GHz), scaled by
    /// published single-core benchmark ratios (Zero 2 W and Pi 3: A53 at 1.0/1.2 GHz ≈ 0.3×/0.4×;
    /// Pi 5: A76 at 2.4 GHz ≈ 2.5×). Budgets are what an agent that shares the board with a home's
    /// other services would give training; the Zero 2 W's (512 MB RAM) is the binding one.
    /// </summary>
    public static IReadOnlyList<BoardClass> Defaults { get; } =
    [
        new("pi-zero-2w", 0.30, 24 * 1024, 1_500, 250_000),
        new("pi3", 0.20, 64 * 1024, 2_000, 500_000),
        new("pi4", 0.35, 512 * 1024, 5_000, 2_000_000),
        new("pi5", 0.15, 2 * 1024 * 1024, 12_500, 5_000_000),
    ];
}
