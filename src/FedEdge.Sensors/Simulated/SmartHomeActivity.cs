namespace FedEdge.Sensors.Simulated;

/// <summary>
/// What is going on in a room during a 5-minute window; the class label of the synthetic
/// smart-home task (the numeric value is the label).
/// </summary>
public enum SmartHomeActivity
{
    /// <summary>Nobody is in the room; only ambient drift, the fridge and occasional appliances.</summary>
    Empty = 0,

    /// <summary>People asleep: dark, quiet, almost no motion, CO2 building up.</summary>
    Sleeping = 1,

    /// <summary>Someone cooking: high and cycling power, rising humidity and temperature, lights on.</summary>
    Cooking = 2,

    /// <summary>Someone at a desk: steady laptop power, lights on, moderate sound and motion.</summary>
    Working = 3,

    /// <summary>Someone exercising: much motion, loud, CO2 and humidity up.</summary>
    Exercising = 4,
}
