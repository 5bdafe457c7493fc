namespace FedEdge.Device.Agent;

/// <summary>What <see cref="DeviceAgent.Offer"/> did with a global model.</summary>
public enum ModelOffer
{
    /// <summary>Verified, stored and installed: it is the model the device now trains from and predicts with.</summary>
    Installed,

    /// <summary>The version already installed (a retained message delivered again): nothing to do.</summary>
    AlreadyInstalled,

    /// <summary>Refused: bad signature, another fleet, an older version, or it does not decode.</summary>
    Refused,
}
