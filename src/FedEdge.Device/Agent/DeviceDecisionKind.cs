namespace FedEdge.Device.Agent;

/// <summary>The kinds of <see cref="DeviceDecision"/>.</summary>
public enum DeviceDecisionKind
{
    /// <summary>A verified global model was installed.</summary>
    ModelInstalled,

    /// <summary>An offered model was refused (the detail says why).</summary>
    ModelRefused,

    /// <summary>The device became eligible to train.</summary>
    Eligible,

    /// <summary>The device stopped being eligible, or its blockers changed (the detail lists them).</summary>
    NotEligible,

    /// <summary>A local run ended (the detail is its outcome).</summary>
    Contributed,

    /// <summary>Distributed DP: the device joined a secure-aggregation group with its update (the version is the model it trained from).</summary>
    SecureAggregationJoined,

    /// <summary>Distributed DP: the device's group ended for it (answered, abandoned or expired; the detail says which).</summary>
    SecureAggregationEnded,
}
