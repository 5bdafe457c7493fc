namespace FedEdge.Device.Agent;

/// <summary>One decision of a device in the order it was taken: the trace the hosted agent and the simulator must agree on.</summary>
/// <param name="Device">The device.</param>
/// <param name="Kind">What was decided.</param>
/// <param name="ModelVersion">The global model version concerned.</param>
/// <param name="Detail">The outcome, reason or blocker codes.</param>
public sealed record DeviceDecision(string Device, DeviceDecisionKind Kind, ulong ModelVersion, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Device} {Kind} v{ModelVersion} {Detail}".TrimEnd();
}
