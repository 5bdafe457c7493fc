using FedEdge.Sensors.Features;
namespace FedEdge.Sensors.Simulated;

/// <summary>
/// The fixed character of one simulated home: building, appliances, household routine and the
/// installed sensors' own offsets. Drawn once per home from the home's own seed, so homes differ
/// systematically (non-IID federated clients). Distributions: docs/synthetic-smart-home-data.md §2.
/// </summary>
internal sealed class HomeProfile
{
    private HomeProfile()
    {
    }

    /// <summary>Thermostat set-point around which the room sits, °C.</summary>
    public double BaseTemperature { get; private init; }

    /// <summary>Typical relative humidity of the home, %.</summary>
    public double BaseHumidity { get; private init; }

    /// <summary>Ventilation, air changes per hour; CO2 excess at steady state scales with 1/ACH.</summary>
    public double AirChangesPerHour { get; private init; }

    /// <summary>Number of people sleeping in the room (1–3).</summary>
    public int Sleepers { get; private init; }

    /// <summary>Always-on load (router, standby), W.</summary>
    public double BaseLoad { get; private init; }

    /// <summary>Multiplier on every appliance's power (stove size, laptop vs. desktop, …).</summary>
    public double PowerScale { get; private init; }

    /// <summary>Whether a pet moves around while the room is empty (trips the PIR).</summary>
    public bool HasPet { get; private init; }

    /// <summary>Sensor offsets: temperature (°C), humidity (%), sound (dB).</summary>
    public double TemperatureOffset { get; private init; }

    /// <inheritdoc cref="TemperatureOffset"/>
    public double HumidityOffset { get; private init; }

    /// <inheritdoc cref="TemperatureOffset"/>
    public double SoundOffset { get; private init; }

    /// <summary>Sensor gains from placement: light (window-facing or not) and PIR sensitivity.</summary>
    public double LightGain { get; private init; }

    /// <inheritdoc cref="LightGain"/>
    public double MotionGain { get; private init; }

    /// <summary>Hours by which this household's daily routine is shifted (early birds negative).</summary>
    public double RoutineShift { get; private init; }

    /// <summary>Per-class multipliers on the diurnal class weights (the household's habits).</summary>
    public IReadOnlyList<double> ClassWeights { get; private init; } = [];

    public static HomeProfile Draw(Random random)
    {
        var weights = new double[SmartHomeSchema.ClassCount];
        for (int c = 0; c < weights.Length; c++)
        {
            weights[c] = random.NextLogNormal(1.0, 0.4);
        }

        // Home working varies most between households: from rarely to daily.
        weights[(int)SmartHomeActivity.Working] *= random.NextUniform(0.2, 2.0);

        return new HomeProfile
        {
            BaseTemperature = Math.Clamp(random.NextGaussian(20.5, 1.0), 17.0, 24.0),
            BaseHumidity = Math.Clamp(random.NextGaussian(45.0, 6.0), 25.0, 70.0),
            AirChangesPerHour = random.NextUniform(0.35, 1.5),
            Sleepers = random.Next(1, 4),
            BaseLoad = random.NextUniform(40.0, 160.0),
            PowerScale = random.NextLogNormal(1.0, 0.25),
            HasPet = random.NextBernoulli(0.3),
            TemperatureOffset = random.NextGaussian(0.0, 0.4),
            HumidityOffset = random.NextGaussian(0.0, 2.5),
            SoundOffset = random.NextGaussian(0.0, 2.5),
            LightGain = random.NextLogNormal(1.0, 0.3),
            MotionGain = random.NextLogNormal(1.0, 0.25),
            RoutineShift = random.NextGaussian(0.0, 1.0),
            ClassWeights = weights,
        };
    }
}
