using System.Diagnostics.CodeAnalysis;

namespace FedEdge.Sensors.Labels;

/// <summary>
/// User feedback labels held in memory, bounded; anything may push into it (the JSON-lines file
/// feed, later the MQTT layer). Thread-safe.
/// </summary>
/// <remarks>
/// A label at time t applies to every window that overlaps [t, t + ValidFor]; when several do, the
/// most recent label not after the window's end wins (the user corrected themselves).
/// </remarks>
public sealed class FeedbackLabelInbox : ILabelSource
{
    private readonly Lock _gate = new();
    private readonly LabelEvent[] _events;
    private readonly TimeSpan _validFor;
    private int _start;
    private int _count;
    private long _version;

    /// <summary>Creates an empty queue.</summary>
    public FeedbackLabelInbox(FeedbackLabelOptions? options = null)
    {
        options ??= new FeedbackLabelOptions();
        options.Validate();
        _events = new LabelEvent[options.Capacity];
        _validFor = options.ValidFor;
    }

    /// <summary>Labels held.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Grows by one with every accepted label, so a reader can tell cheaply whether anything arrived since it last looked.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>
    /// Adds a label. Returns false with a reason when the label text is unacceptable. Labels may
    /// arrive out of time order; a full queue drops its earliest-received label.
    /// </summary>
    public bool TryPush(LabelEvent labelEvent, [NotNullWhen(false)] out string? problem)
    {
        problem = LabelEvent.Problem(labelEvent.Label);
        if (problem is not null)
        {
            return false;
        }

        lock (_gate)
        {
            if (_count == _events.Length)
            {
                _start = (_start + 1) % _events.Length;
                _count--;
            }

            _events[(_start + _count) % _events.Length] = labelEvent;
            _count++;
            Interlocked.Increment(ref _version);
        }

        return true;
    }

    /// <inheritdoc />
    public bool TryGetLabel(DateTimeOffset windowStart, DateTimeOffset windowEnd, [NotNullWhen(true)] out string? label)
    {
        label = null;
        DateTimeOffset best = DateTimeOffset.MinValue;
        lock (_gate)
        {
            for (int i = 0; i < _count; i++)
            {
                var e = _events[(_start + i) % _events.Length];
                if (e.Time <= windowEnd && e.Time + _validFor >= windowStart && (label is null || e.Time >= best))
                {
                    label = e.Label;
                    best = e.Time;
                }
            }
        }

        return label is not null;
    }
}
