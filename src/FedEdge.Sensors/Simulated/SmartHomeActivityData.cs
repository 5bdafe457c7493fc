using FedEdge.Core.Data;

namespace FedEdge.Sensors.Simulated;

/// <summary>
/// Synthetic smart-home data for a federation: one data set per home (one client each) and all
/// homes' rows pooled in home order, for a centrally trained baseline.
/// </summary>
public sealed class SmartHomeActivityData
{
    internal SmartHomeActivityData(IReadOnlyList<Dataset> homes, Dataset pooled)
    {
        Homes = homes;
        Pooled = pooled;
    }

    /// <summary>The data of home i at index i.</summary>
    public IReadOnlyList<Dataset> Homes { get; }

    /// <summary>The rows of every home, home 0 first.</summary>
    public Dataset Pooled { get; }
}
