using FedEdge.Sensors.Features;
using FedEdge.Sensors.Hardware;

namespace FedEdge.Sensors.Tests.Features;

public class FeatureWindowAllocationTests
{
    [Fact]
    public void Adding_and_summarising_allocate_nothing_after_construction()
    {
        var window = new FeatureWindow([SensorChannels.AccelerationX, SensorChannels.AccelerationY, SensorChannels.AccelerationZ]);
        int[] map = [0, 1, 2];
        var features = new float[window.FeatureCount];
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Run(window, map, features, t0, 10); // warm up (JIT, tiering)

        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(window, map, features, t0.AddMinutes(1), 200);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void Run(FeatureWindow window, int[] map, float[] features, DateTimeOffset start, int samples)
    {
        ReadOnlySpan<double> values = [0.1, 0.2, 9.8];
        for (int i = 0; i < samples; i++)
        {
            var now = start.AddMilliseconds(100 * i);
            window.Add(new SensorReading(now, values), map);
            window.TryWriteFeatures(now, features);
            window.TrySummarizeMagnitude(0, 1, 2, now, 0.5, 5, out _);
        }
    }
}
