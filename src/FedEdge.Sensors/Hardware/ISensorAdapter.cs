namespace FedEdge.Sensors.Hardware;

/// <summary>
/// A physical sensor as FedEdge sees it: a name, named channels in fixed units, a non-throwing read
/// and a health status. Implementations catch the I/O errors of the underlying binding, count them
/// and report them through <see cref="Health"/>; they never throw them to the caller.
/// </summary>
public interface ISensorAdapter : IDisposable
{
    /// <summary>A stable name for logs and metrics, e.g. "bme280@0x76".</summary>
    string Name { get; }

    /// <summary>The channel names in reading order; units are part of the name (see <see cref="SensorChannels"/>).</summary>
    IReadOnlyList<string> Channels { get; }

    /// <summary>The adapter's health after its last read.</summary>
    SensorHealthStatus Health { get; }

    /// <summary>
    /// Reads the sensor once. Returns false (and a default reading) when the sensor did not answer or
    /// answered with invalid data; the failure is recorded in <see cref="Health"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The adapter was disposed.</exception>
    bool TryRead(out SensorReading reading);
}
