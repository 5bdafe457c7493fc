using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>Records every log event (category, event id, message) so a test can wait for what the service reports.</summary>
internal sealed class EventRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, int EventId, string Message)> _events = new();

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    /// <summary>How many events of <paramref name="category"/> with <paramref name="eventId"/> whose message contains <paramref name="text"/> were logged.</summary>
    public int Count(string category, int eventId, string text = "") =>
        _events.Count(e => e.Category == category && e.EventId == eventId && e.Message.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits (polling, up to <paramref name="seconds"/>) until <see cref="Count"/> reaches <paramref name="atLeast"/>.</summary>
    public async Task WaitForAsync(string category, int eventId, string text, int atLeast, int seconds)
    {
        for (int i = 0; i < seconds * 100 && Count(category, eventId, text) < atLeast; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(
            Count(category, eventId, text) >= atLeast,
            $"no {atLeast}× event {eventId} \"{text}\" from {category} within {seconds} s; logged:\n" + string.Join("\n", _events.Select(e => $"{e.Category}[{e.EventId}] {e.Message}")));
    }

    public void Dispose()
    {
    }

    private sealed class Recorder(EventRecorder owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._events.Enqueue((category, eventId.Id, formatter(state, exception)));
    }
}
