namespace FedEdge.Device.Eligibility;

/// <summary>What a power source says about the device's supply.</summary>
public enum PowerState
{
    /// <summary>The source cannot tell (missing file, sensor down): treated as "not charging".</summary>
    Unknown,

    /// <summary>Running from a battery that is discharging.</summary>
    OnBattery,

    /// <summary>A battery is charging or full while plugged in.</summary>
    Charging,

    /// <summary>Powered from mains/USB with no battery involved.</summary>
    Mains,
}
