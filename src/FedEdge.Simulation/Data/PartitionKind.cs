namespace FedEdge.Simulation.Data;

/// <summary>Data partition schemes.</summary>
public enum PartitionKind
{
    /// <summary>Uniformly random shards.</summary>
    Iid,

    /// <summary>Per-class Dirichlet proportions.</summary>
    Dirichlet,

    /// <summary>One home per device.</summary>
    Natural,
}
