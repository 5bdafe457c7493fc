namespace FedEdge.Device.Personalization;

/// <summary>Which model answers predictions.</summary>
public enum ServedModel
{
    /// <summary>The fleet's global model.</summary>
    Global,

    /// <summary>The device's personal model.</summary>
    Personal,
}
