namespace FedEdge.Protocol.Tests.Outbox;

/// <summary>A database path in a fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempDatabase : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fededge-outbox-" + Guid.NewGuid().ToString("N"));

    public TempDatabase() => Directory.CreateDirectory(_directory);

    public string Path => System.IO.Path.Combine(_directory, "outbox.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
