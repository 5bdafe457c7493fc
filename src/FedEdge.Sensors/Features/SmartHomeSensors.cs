namespace FedEdge.Sensors.Features;

/// <summary>The seven sensors behind the 14 smart-home features, as flags (a set of imputed sensors).</summary>
[Flags]
public enum SmartHomeSensors
{
    /// <summary>No sensor.</summary>
    None = 0,

    /// <summary>Temperature, features 0–1.</summary>
    Temperature = 1,

    /// <summary>Relative humidity, features 2–3.</summary>
    Humidity = 2,

    /// <summary>CO2, features 4–5.</summary>
    Co2 = 4,

    /// <summary>Light, features 6–7.</summary>
    Light = 8,

    /// <summary>Sound level, features 8–9.</summary>
    Sound = 16,

    /// <summary>PIR motion, features 10–11.</summary>
    Motion = 32,

    /// <summary>Whole-home power, features 12–13.</summary>
    Power = 64,
}
