namespace FedEdge.Sensors.Hardware;

/// <summary>Which way current flows through the INA219 shunt on the battery lead.</summary>
public enum PowerFlow
{
    /// <summary>|current| is below the idle threshold: on mains with a full battery, or no battery.</summary>
    Idle = 0,

    /// <summary>Current flows into the battery.</summary>
    Charging = 1,

    /// <summary>Current flows out of the battery: the device runs on battery.</summary>
    Discharging = 2,
}
