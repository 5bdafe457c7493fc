using FedEdge.Sensors.Datasets;

namespace FedEdge.Benchmarks;

/// <summary>The shared data sets beside the repository (../shared/data).</summary>
internal static class RepositoryData
{
    public static string Digits => SharedDataSets.Find(SharedDataSets.DigitsFileName);
}
