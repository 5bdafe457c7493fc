namespace FedEdge.Device.SecureAggregation;

/// <summary>Where a device is in one secure-aggregation group (Bonawitz et al. 2017, §4 rounds 0–4).</summary>
public enum SecAggParticipantState
{
    /// <summary>Keys made, the join not sent yet.</summary>
    Created = 0,

    /// <summary>Round 0 sent (the join with both public keys); waiting for the roster.</summary>
    Joined,

    /// <summary>Round 1 sent (sealed shares for every neighbour); waiting for the neighbours' shares.</summary>
    SharesSent,

    /// <summary>Every neighbour's shares received; waiting for the update, or the masked input is being sent.</summary>
    SharesReceived,

    /// <summary>Round 2 sent (the masked input); waiting for the unmask request.</summary>
    MaskedInputSent,

    /// <summary>Round 4 answered; the group is done for this device. Final.</summary>
    Answered,

    /// <summary>The aggregator abandoned the group, or the device refused it. Final; secrets erased.</summary>
    Abandoned,

    /// <summary>A deadline passed. Final; secrets erased.</summary>
    Expired,
}
