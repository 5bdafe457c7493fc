using FedEdge.Sensors.Features;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Sensors.Tests.Features;

public class SmartHomeFeatureMapTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly string[] AllChannels =
    [
        SensorChannels.TemperatureC, SensorChannels.HumidityPct, SensorChannels.Co2Ppm, SensorChannels.LightLux,
        SensorChannels.SoundDb, SensorChannels.MotionPerMin, SensorChannels.HomePowerW,
    ];

    private static readonly string[] SimulatorPrefixes = ["temperature", "humidity", "co2", "light", "sound", "motion", "power"];

    [Fact]
    public void Map_writes_mean_then_std_per_sensor_in_the_simulator_feature_order()
    {
        // Channel s alternates between 100s+1 and 100s+3: mean 100s+2, population std exactly 1.
        var window = new FeatureWindow(AllChannels);
        for (int i = 0; i < 30; i++)
        {
            for (int s = 0; s < AllChannels.Length; s++)
            {
                window.Add(s, T0.AddSeconds(10 * i), (100 * s) + (i % 2 == 0 ? 1 : 3));
            }
        }

        var features = new float[SmartHomeFeatureMap.FeatureCount];
        var imputed = new SmartHomeFeatureMap(window).Map(T0.AddSeconds(290), features);

        Assert.Equal(SmartHomeSensors.None, imputed);
        for (int s = 0; s < AllChannels.Length; s++)
        {
            Assert.StartsWith(SimulatorPrefixes[s] + "_mean", SmartHomeSchema.FeatureNames[2 * s], StringComparison.Ordinal);
            Assert.StartsWith(SimulatorPrefixes[s] + "_std", SmartHomeSchema.FeatureNames[(2 * s) + 1], StringComparison.Ordinal);
            Assert.Equal((100 * s) + 2, features[2 * s], 1e-4);
            Assert.Equal(1.0, features[(2 * s) + 1], 1e-4);
        }
    }

    [Fact]
    public void A_sensor_the_device_lacks_gets_the_scaling_centre_and_is_flagged()
    {
        var withoutSound = AllChannels.Where(c => c != SensorChannels.SoundDb).ToArray();
        var window = new FeatureWindow(withoutSound);
        for (int i = 0; i < 5; i++)
        {
            for (int c = 0; c < withoutSound.Length; c++)
            {
                window.Add(c, T0.AddSeconds(10 * i), 1);
            }
        }

        var features = new float[SmartHomeFeatureMap.FeatureCount];
        var map = new SmartHomeFeatureMap(window);
        var imputed = map.Map(T0.AddSeconds(40), features);

        Assert.Equal(SmartHomeSensors.Sound, imputed);
        Assert.Equal(SmartHomeSensors.Sound, map.Unavailable);
        Assert.Equal(SmartHomeSchema.Centre[8], features[8]);
        Assert.Equal(SmartHomeSchema.Centre[9], features[9]);
    }

    [Fact]
    public void A_sensor_with_too_few_readings_in_the_window_is_imputed()
    {
        var window = new FeatureWindow(AllChannels);
        for (int s = 0; s < AllChannels.Length; s++)
        {
            int readings = s == 2 ? 2 : 5;
            for (int i = 0; i < readings; i++)
            {
                window.Add(s, T0.AddSeconds(10 * i), 500);
            }
        }

        var features = new float[SmartHomeFeatureMap.FeatureCount];
        var imputed = new SmartHomeFeatureMap(window).Map(T0.AddSeconds(40), features);

        Assert.Equal(SmartHomeSensors.Co2, imputed);
        Assert.Equal(SmartHomeSchema.Centre[4], features[4]);
    }

    [Fact]
    public void Imputed_features_standardise_to_zero()
    {
        var window = new FeatureWindow(["unrelated"]);
        var features = new float[SmartHomeFeatureMap.FeatureCount];
        new SmartHomeFeatureMap(window).Map(T0, features);

        var standardised = SmartHomeSchema.Standardize(new FedEdge.Core.Data.Dataset(features, [0], 14, SmartHomeSchema.ClassCount));

        Assert.All(standardised.Row(0).ToArray(), z => Assert.Equal(0f, z, 1e-6f));
    }
}
