using FedEdge.Sensors.Features;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Storage;

public class SensorToSampleStoreTests
{
    [Fact]
    public void Real_bindings_feed_windows_whose_14_features_and_rule_labels_land_in_the_store()
    {
        // 5 minutes at one read per 10 s: BME280 + BH1750 through the real bindings, a label from
        // the motion rule, one 14-feature sample stored; sensors the device lacks are imputed.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        using var bme = new Bme280Adapter(new Bme280RegisterDevice(), clock);
        using var light = new Bh1750Adapter(new Bh1750Device { Count = 360 }, clock);
        var window = new FeatureWindow(SmartHomeFeatureSourcesChannels());
        int[] bmeMap = window.MapChannels(bme.Channels);
        int[] lightMap = window.MapChannels(light.Channels);
        var rule = new RecentMotionRule();
        var labels = new LabelSet(["vacant", "occupied"]);
        var start = clock.GetUtcNow();
        for (int i = 0; i < 30; i++)
        {
            Assert.True(bme.TryRead(out var r1));
            Assert.True(light.TryRead(out var r2));
            window.Add(r1, bmeMap);
            window.Add(r2, lightMap);
            rule.Record(clock.GetUtcNow(), i == 12 ? 6 : 0);
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        var end = clock.GetUtcNow();
        var features = new float[SmartHomeFeatureMap.FeatureCount];
        var imputed = new SmartHomeFeatureMap(window).Map(end, features);
        Assert.True(rule.TryGetLabel(start, end, out var label));
        Assert.True(labels.TryGetIndex(label, out int classIndex));

        using var dir = new TempDirectory();
        using var store = new SampleStore(new SampleStoreOptions { Path = dir.File("s.db"), FeatureCount = 14, ClassCount = labels.Count });
        store.Append(end, features, classIndex);
        var data = store.ReadAll();

        Assert.Equal(SmartHomeSensors.Co2 | SmartHomeSensors.Sound | SmartHomeSensors.Motion | SmartHomeSensors.Power, imputed);
        Assert.True(labels.TryGetIndex("occupied", out int occupied));
        Assert.Equal(occupied, data.Label(0));
        Assert.Equal(25.08f, data.Row(0)[0], 0.005f);
        Assert.Equal(0f, data.Row(0)[1], 1e-6f);
        Assert.Equal(300f, data.Row(0)[6], 1e-3f);
        Assert.Equal(SmartHomeSchema.Centre[8], data.Row(0)[8]);
    }

    private static string[] SmartHomeFeatureSourcesChannels() =>
    [
        SensorChannels.TemperatureC, SensorChannels.HumidityPct, SensorChannels.PressurePa,
        SensorChannels.LightLux, SensorChannels.MotionPerMin,
    ];
}
