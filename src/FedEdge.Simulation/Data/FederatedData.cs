using FedEdge.Core.Data;

namespace FedEdge.Simulation.Data;

/// <summary>
/// The data of one simulated fleet: each device's training samples and its own held-out samples
/// (for per-device evaluation), and a pooled test set for the global model's accuracy.
/// </summary>
/// <param name="Train">Per device, in fleet order (a device may have none).</param>
/// <param name="DeviceTest">Per device, held out from the same distribution as its training samples.</param>
/// <param name="Test">Pooled test set.</param>
/// <param name="Description">Where the data came from and how it was split.</param>
public sealed record FederatedData(IReadOnlyList<Dataset> Train, IReadOnlyList<Dataset> DeviceTest, Dataset Test, string Description)
{
    /// <summary>Features per sample.</summary>
    public int FeatureCount => Test.FeatureCount;

    /// <summary>Classes.</summary>
    public int ClassCount => Test.ClassCount;
}
