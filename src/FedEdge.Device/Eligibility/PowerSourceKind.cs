namespace FedEdge.Device.Eligibility;

/// <summary>Where the agent learns whether the device is charging or on mains ("Agent:Power:Source").</summary>
public enum PowerSourceKind
{
    /// <summary>The kernel's power-supply class (<c>/sys/class/power_supply</c>): battery HATs and UPS boards with a driver.</summary>
    Sysfs = 0,

    /// <summary>Always on mains: a Pi on a wall adapter with no battery.</summary>
    Mains = 1,

    /// <summary>An INA219 shunt monitor on the battery lead: the sign of the current says charging or discharging.</summary>
    Ina219 = 2,

    /// <summary>A charger's "power good" / "charging" output on a GPIO pin.</summary>
    Gpio = 3,
}
