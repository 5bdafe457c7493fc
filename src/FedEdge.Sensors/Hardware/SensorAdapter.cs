using System.Device.I2c;

namespace FedEdge.Sensors.Hardware;

/// <summary>
/// The shared behaviour of every adapter: turn the binding's exceptions into a failed read, count
/// consecutive failures into a health status, and recover on the next good read.
/// </summary>
/// <remarks>
/// Failures are the exceptions a sensor on a bus produces (<see cref="IOException"/>,
/// <see cref="TimeoutException"/>, <see cref="InvalidOperationException"/>,
/// <see cref="InvalidDataException"/> for implausible or CRC-failed data) plus whatever
/// <see cref="IsSensorFault"/> adds for one binding. Anything else is a programming error and
/// propagates. Reads are serialised by a lock: a binding is not thread-safe.
/// </remarks>
public abstract class SensorAdapter : ISensorAdapter
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly int _unhealthyAfter;
    private readonly string[] _channels;
    private SensorHealthStatus _health;
    private bool _disposed;

    /// <summary>Creates the adapter shell.</summary>
    protected SensorAdapter(string name, IReadOnlyList<string> channels, TimeProvider timeProvider, SensorAdapterOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (channels.Count is < 1 or > SensorReading.MaxChannels)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels.Count, $"An adapter reports 1 to {SensorReading.MaxChannels} channels.");
        }

        options ??= new SensorAdapterOptions();
        options.Validate();
        Name = name;
        _channels = [.. channels];
        Channels = Array.AsReadOnly(_channels);
        _timeProvider = timeProvider;
        _unhealthyAfter = options.UnhealthyAfterFailures;
        _health = new SensorHealthStatus(SensorHealth.Healthy, 0, 0, 0, null, null, null);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Channels { get; }

    /// <inheritdoc />
    public SensorHealthStatus Health
    {
        get
        {
            lock (_gate)
            {
                return _health;
            }
        }
    }

    /// <summary>
    /// True when the previous read failed. I2C adapters then rebuild their binding before reading:
    /// a sensor that lost power comes back with its configuration registers at reset values
    /// (BME280: oversampling "skipped"), which only the binding's constructor sets again.
    /// </summary>
    protected bool PreviousReadFailed => _health.ConsecutiveFailures > 0;

    /// <summary>The clock the adapter stamps readings with.</summary>
    protected TimeProvider TimeProvider => _timeProvider;

    /// <inheritdoc />
    public bool TryRead(out SensorReading reading)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Span<double> values = stackalloc double[_channels.Length];
            try
            {
                ReadCore(values);
                for (int i = 0; i < values.Length; i++)
                {
                    if (!double.IsFinite(values[i]))
                    {
                        throw new InvalidDataException($"Channel {_channels[i]} read a non-finite value ({values[i]}).");
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException or InvalidDataException || IsSensorFault(ex))
            {
                RecordFailure(ex);
                reading = default;
                return false;
            }

            var now = _timeProvider.GetUtcNow();
            reading = new SensorReading(now, values);
            _health = new SensorHealthStatus(SensorHealth.Healthy, 0, _health.TotalFailures, _health.TotalReads + 1, _health.LastError, _health.LastErrorAt, now);
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Dispose(true);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Reads every channel into <paramref name="values"/> (length = channel count). Throws the
    /// binding's exception, or <see cref="InvalidDataException"/> for data the binding rejected.
    /// </summary>
    protected abstract void ReadCore(Span<double> values);

    /// <summary>
    /// Extra exception types one binding uses for a sensor that does not answer (e.g. the SCD4x
    /// binding throws a plain <see cref="Exception"/>). Default: none.
    /// </summary>
    protected virtual bool IsSensorFault(Exception exception) => false;

    /// <summary>Releases the binding and what the adapter owns (see each adapter's ownership note).</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>
    /// Disposes a binding whose <c>Dispose</c> talks to the sensor (SCD4x stops its measurement):
    /// a sensor that is gone must not turn Dispose into a throw.
    /// </summary>
    private protected bool TryDisposeBinding(IDisposable? binding)
    {
        if (binding is null)
        {
            return true;
        }

        try
        {
            binding.Dispose();
            return true;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException || IsSensorFault(ex))
        {
            RecordFailure(ex);
            return false;
        }
    }

    /// <summary>Disposes <paramref name="device"/> unless null.</summary>
    private protected static void DisposeDevice(I2cDevice? device) => device?.Dispose();

    private void RecordFailure(Exception ex)
    {
        var now = _timeProvider.GetUtcNow();
        int consecutive = _health.ConsecutiveFailures == int.MaxValue ? int.MaxValue : _health.ConsecutiveFailures + 1;
        var health = consecutive >= _unhealthyAfter ? SensorHealth.Unhealthy : SensorHealth.Degraded;
        _health = new SensorHealthStatus(
            health,
            consecutive,
            _health.TotalFailures + 1,
            _health.TotalReads,
            $"{ex.GetType().Name}: {ex.Message}",
            now,
            _health.LastSuccessAt);
    }
}
