namespace FedEdge.Sensors.Hardware;

/// <summary>How a sensor has been answering lately.</summary>
public enum SensorHealth
{
    /// <summary>The last read succeeded.</summary>
    Healthy = 0,

    /// <summary>The last read failed, but fewer consecutive reads than the unhealthy threshold.</summary>
    Degraded = 1,

    /// <summary>At least <see cref="SensorAdapterOptions.UnhealthyAfterFailures"/> consecutive reads failed.</summary>
    Unhealthy = 2,
}
