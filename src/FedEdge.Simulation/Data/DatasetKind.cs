namespace FedEdge.Simulation.Data;

/// <summary>Data sources.</summary>
public enum DatasetKind
{
    /// <summary>The seeded synthetic smart-home activity generator (docs/synthetic-smart-home-data.md), one home per device.</summary>
    Synthetic,

    /// <summary>UCI optical handwritten digits (64 features, 10 classes).</summary>
    Digits,

    /// <summary>A CSV file, label last.</summary>
    File,
}
