namespace FedEdge.Aggregation.Privacy;

/// <summary>The differential privacy the fleet's devices are configured with (their <c>Agent:Privacy:Mode</c>).</summary>
public enum FleetDpMode
{
    /// <summary>DP-FedAvg: every update clipped to S and noised with N(0, (z·S)²) on the device (the device default).</summary>
    UserLevel,

    /// <summary>DP-SGD on the device: per-example clipping, noise per step; an update's norm is not bounded by S.</summary>
    SampleLevel,

    /// <summary>No DP (simulations and lab fleets only): updates that declare none are accepted.</summary>
    None,

    /// <summary>
    /// Secure aggregation with the distributed discrete Gaussian (docs/privacy.md): devices send masked, encoded vectors on
    /// their secagg topic, the aggregator only ever decodes a group's noisy sum, and plain <c>ModelUpdate</c>s are refused.
    /// </summary>
    Distributed,
}
