using System.Collections.Concurrent;
using FedEdge.Agent.Tests.Personalization;
using Microsoft.Extensions.Logging;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>Hands out one <see cref="RecordingLogger"/> per category, so a test can read what a service logged.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, RecordingLogger> _loggers = new(StringComparer.Ordinal);

    public RecordingLogger For<T>() => _loggers.GetOrAdd(typeof(T).FullName!, _ => new RecordingLogger());

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, _ => new RecordingLogger());

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
