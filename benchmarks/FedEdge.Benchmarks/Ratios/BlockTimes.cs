namespace FedEdge.Benchmarks.Ratios;

/// <summary>Seconds per block: wall-clock, and CPU time of the thread that ran the block.</summary>
internal sealed record BlockTimes(double[] Wall, double[] Cpu);
