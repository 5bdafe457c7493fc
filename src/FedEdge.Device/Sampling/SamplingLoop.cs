using System.Diagnostics.CodeAnalysis;
using FedEdge.Sensors.Features;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.Logging;

namespace FedEdge.Device.Sampling;

/// <summary>
/// The sampling pipeline without hosting: reads every adapter each tick into a
/// <see cref="FeatureWindow"/>, and at the end of each (non-overlapping) window maps it to the
/// 14 smart-home features (<see cref="SmartHomeFeatureMap"/>, physical units as the simulator),
/// asks the label sources in order for a known class and appends the labelled sample to the
/// <see cref="SampleStore"/>. Not thread-safe: one loop per device.
/// </summary>
/// <remarks>
/// A sensor that fails — by returning false or by throwing, as a misbehaving binding might — is
/// skipped for that tick and counted; after <see cref="SamplingOptions.UnhealthyAfterFailures"/>
/// consecutive failures the loop reports it unhealthy. Its features are imputed with the fleet
/// centre by the feature map, so one dead sensor never stops sampling.
/// </remarks>
public sealed partial class SamplingLoop
{
    private readonly ISensorAdapter[] _adapters;
    private readonly int[][] _maps;
    private readonly int[] _failures;
    private readonly SampleStore _store;
    private readonly ILabelSource[] _labels;
    private readonly RecentMotionRule? _motion;
    private readonly LabelSet _classes;
    private readonly SamplingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FeatureWindow _window;
    private readonly SmartHomeFeatureMap _features;
    private readonly float[] _vector = new float[SmartHomeFeatureMap.FeatureCount];
    private readonly int _motionChannel;
    private readonly float[][] _recentVectors;
    private readonly DateTimeOffset[] _recentEnds;
    private int _recentNext;
    private long _feedbackSeen;
    private DateTimeOffset _windowEnd;

    /// <summary>
    /// Unlabelled windows kept (features only, in memory) so that feedback arriving after a window closed can still
    /// label it: 12 = the last hour at the default 5-minute window.
    /// </summary>
    public const int RecentWindowsKept = 12;

    /// <summary>Where every finished window's features go (for local prediction), labelled or not; null = nowhere.</summary>
    public LatestFeatures? Latest { get; init; }

    /// <summary>
    /// User feedback that may arrive after its window closed (MQTT): whenever it changed, the kept unlabelled
    /// windows (<see cref="RecentWindowsKept"/>) are offered to it again and a window it now labels is stored.
    /// Null = labels only reach windows that close after them (through the label sources).
    /// </summary>
    public FeedbackLabelInbox? LateFeedback { get; init; }

    /// <summary>Samples stored because feedback labelled a window after it had closed.</summary>
    public long LabelledLate { get; private set; }

    /// <summary>Creates the loop; the adapters, store and label sources are borrowed, not owned.</summary>
    /// <param name="adapters">The sensors, read in order each tick.</param>
    /// <param name="store">Where labelled samples go.</param>
    /// <param name="labelSources">Asked in order; the first known class wins (user feedback before rules).</param>
    /// <param name="motionRule">Fed with the motion channel's readings when given (it is usually also a label source).</param>
    /// <param name="classes">The class names the store's label indices refer to.</param>
    /// <param name="options">Intervals and health threshold (validated here).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Logs unhealthy sensors and stored samples.</param>
    public SamplingLoop(
        IReadOnlyList<ISensorAdapter> adapters,
        SampleStore store,
        IReadOnlyList<ILabelSource> labelSources,
        RecentMotionRule? motionRule,
        LabelSet classes,
        SamplingOptions options,
        TimeProvider time,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(labelSources);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        if (adapters.Count == 0)
        {
            throw new ArgumentException("Sampling needs at least one sensor adapter.", nameof(adapters));
        }

        _adapters = [.. adapters];
        _store = store;
        _labels = [.. labelSources];
        _motion = motionRule;
        _classes = classes;
        _options = options;
        _time = time;
        _logger = logger;

        var channels = new List<string>();
        foreach (var adapter in _adapters)
        {
            foreach (string channel in adapter.Channels)
            {
                if (!channels.Contains(channel))
                {
                    channels.Add(channel);
                }
            }
        }

        int perWindow = (int)Math.Min(SpectralEnergy.MaxSamples, Math.Ceiling(options.WindowLength / options.ReadInterval) + 1);
        _window = new FeatureWindow(channels, new FeatureWindowOptions { Length = options.WindowLength, CapacityPerChannel = perWindow });
        _features = new SmartHomeFeatureMap(_window);
        _maps = [.. _adapters.Select(a => _window.MapChannels(a.Channels))];
        _failures = new int[_adapters.Length];
        _motionChannel = _window.IndexOf(SensorChannels.MotionPerMin);
        _windowEnd = time.GetUtcNow() + options.WindowLength;
        _recentVectors = new float[RecentWindowsKept][];
        for (int i = 0; i < _recentVectors.Length; i++)
        {
            _recentVectors[i] = new float[SmartHomeFeatureMap.FeatureCount];
        }

        _recentEnds = new DateTimeOffset[RecentWindowsKept];
    }

    /// <summary>Labelled samples appended so far.</summary>
    public long Stored { get; private set; }

    /// <summary>Windows dropped because no source gave a known class.</summary>
    public long Unlabelled { get; private set; }

    /// <summary>When the current window closes.</summary>
    public DateTimeOffset WindowEnd => _windowEnd;

    /// <summary>The loop's view of an adapter's health: its consecutive failures as the loop saw them, or the adapter's own verdict if worse.</summary>
    public SensorHealth HealthOf(string adapterName)
    {
        for (int i = 0; i < _adapters.Length; i++)
        {
            if (_adapters[i].Name == adapterName)
            {
                var own = _failures[i] >= _options.UnhealthyAfterFailures ? SensorHealth.Unhealthy
                    : _failures[i] > 0 ? SensorHealth.Degraded
                    : SensorHealth.Healthy;
                var reported = SafeHealth(_adapters[i]);
                return reported > own ? reported : own;
            }
        }

        throw new ArgumentException($"No adapter named \"{adapterName}\".", nameof(adapterName));
    }

    /// <summary>Runs <see cref="Tick"/> every <see cref="SamplingOptions.ReadInterval"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ReadInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Tick();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping: a window in progress is dropped, the store keeps every finished one
        }
    }

    /// <summary>Reads every sensor now; closes the window when its end has passed.</summary>
    /// <returns>What became of the window (Pending while it is still open).</returns>
    public WindowOutcome Tick()
    {
        var now = _time.GetUtcNow();
        LabelRecentFromFeedback();
        for (int i = 0; i < _adapters.Length; i++)
        {
            ReadAdapter(i);
        }

        if (now < _windowEnd)
        {
            return WindowOutcome.Pending;
        }

        var outcome = CloseWindow(_windowEnd);
        _windowEnd += _options.WindowLength;
        if (_windowEnd <= now)
        {
            // the device slept through several windows: restart from now instead of producing stale ones
            _windowEnd = now + _options.WindowLength;
        }

        return outcome;
    }

    private void ReadAdapter(int i)
    {
        var adapter = _adapters[i];
        bool read;
        SensorReading reading;
        try
        {
            read = adapter.TryRead(out reading);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // an adapter outside SensorAdapter's contract threw: count it as a failed read
            reading = default;
            read = false;
            LogSensorThrew(adapter.Name, ex);
        }

        if (!read)
        {
            _failures[i]++;
            if (_failures[i] == _options.UnhealthyAfterFailures)
            {
                LogSensorUnhealthy(adapter.Name, _failures[i]);
            }

            return;
        }

        try
        {
            _window.Add(reading, _maps[i]);
        }
        catch (ArgumentException ex)
        {
            // a non-finite value from an adapter that does not check its own readings
            _failures[i]++;
            LogSensorThrew(adapter.Name, ex);
            return;
        }

        _failures[i] = 0;
        if (_motion is not null && _motionChannel >= 0)
        {
            int slot = Array.IndexOf(_maps[i], _motionChannel);
            if (slot >= 0)
            {
                _motion.Record(reading.Timestamp, reading[slot]);
            }
        }
    }

    private WindowOutcome CloseWindow(DateTimeOffset end)
    {
        var imputed = _features.Map(end, _vector);
        if (imputed == (SmartHomeSensors)((1 << 7) - 1))
        {
            return WindowOutcome.NoReadings;
        }

        Latest?.Set(_vector, end);

        if (!TryLabel(end - _options.WindowLength, end, out int label, out string? name))
        {
            Unlabelled++;
            _vector.CopyTo(_recentVectors[_recentNext], 0);
            _recentEnds[_recentNext] = end;
            _recentNext = (_recentNext + 1) % RecentWindowsKept;
            return WindowOutcome.Unlabelled;
        }

        _store.Append(end, _vector, label);
        Stored++;
        LogStored(name, imputed);
        return WindowOutcome.Stored;
    }

    private void LabelRecentFromFeedback()
    {
        var feedback = LateFeedback;
        if (feedback is null || feedback.Version == _feedbackSeen)
        {
            return;
        }

        _feedbackSeen = feedback.Version;
        for (int i = 0; i < RecentWindowsKept; i++)
        {
            var end = _recentEnds[i];
            if (end == default
                || !feedback.TryGetLabel(end - _options.WindowLength, end, out string? name)
                || !_classes.TryGetIndex(name, out int label))
            {
                continue;
            }

            _store.Append(end, _recentVectors[i], label);
            _recentEnds[i] = default; // stored once
            Stored++;
            LabelledLate++;
            LogStoredLate(name, end);
        }
    }

    private bool TryLabel(DateTimeOffset start, DateTimeOffset end, out int index, [NotNullWhen(true)] out string? name)
    {
        foreach (var source in _labels)
        {
            if (source.TryGetLabel(start, end, out name) && _classes.TryGetIndex(name, out index))
            {
                return true;
            }
        }

        index = -1;
        name = null;
        return false;
    }

    private static SensorHealth SafeHealth(ISensorAdapter adapter)
    {
        try
        {
            return adapter.Health.Health;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return SensorHealth.Unhealthy;
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Sensor {Sensor} threw while reading; counted as a failed read")]
    private partial void LogSensorThrew(string sensor, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Sensor {Sensor} unhealthy after {Failures} failed reads; its features are imputed")]
    private partial void LogSensorUnhealthy(string sensor, int failures);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Feedback labelled the window that ended at {End} as {Label}; stored")]
    private partial void LogStoredLate(string label, DateTimeOffset end);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "Stored a sample labelled {Label} (imputed: {Imputed})")]
    private partial void LogStored(string label, SmartHomeSensors imputed);
}
