using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FedEdge.IntegrationTests.Broker;

/// <summary>Collects log lines of the product code so a failing integration test can show them.</summary>
public sealed class TestLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ILogger<T> For<T>() => new Logger<T>(this);

    public ILogger CreateLogger(string categoryName) => new Logger<object>(this);

    public string Text => string.Join(Environment.NewLine, _lines);

    public void Clear() => _lines.Clear();

    public void Dispose()
    {
    }

    private sealed class Logger<T>(TestLog log) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Trace;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log._lines.Enqueue($"{log._clock.Elapsed.TotalSeconds:F3} {logLevel} {eventId.Id} {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
    }
}
