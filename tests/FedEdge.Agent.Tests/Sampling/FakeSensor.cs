using FedEdge.Sensors.Hardware;

namespace FedEdge.Agent.Tests.Sampling;

/// <summary>A sensor whose values come from a function of time; it can be told to throw, as a broken binding might.</summary>
internal sealed class FakeSensor(string name, string[] channels, TimeProvider time, Func<DateTimeOffset, double[]> values) : ISensorAdapter
{
    public string Name => name;

    public IReadOnlyList<string> Channels => channels;

    public bool Throws { get; set; }

    public int Reads { get; private set; }

    public SensorHealthStatus Health { get; } = new(SensorHealth.Healthy, 0, 0, 0, null, null, null);

    public bool TryRead(out SensorReading reading)
    {
        Reads++;
        if (Throws)
        {
            throw new NotSupportedException("simulated binding bug");
        }

        var now = time.GetUtcNow();
        reading = new SensorReading(now, values(now));
        return true;
    }

    public void Dispose()
    {
    }
}
