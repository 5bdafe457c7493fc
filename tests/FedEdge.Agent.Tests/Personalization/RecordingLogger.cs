using Microsoft.Extensions.Logging;

namespace FedEdge.Agent.Tests.Personalization;

/// <summary>Keeps every log entry (level, event id, formatted message) for assertions.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return _entries.ToArray();
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}
