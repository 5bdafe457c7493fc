namespace FedEdge.Protocol.Outbox;

/// <summary>
/// The outbox has no room for another entry. Nothing was dropped: the new entry was refused and the caller decides
/// (typically: skip this training round until the broker drained the outbox).
/// </summary>
public sealed class OutboxFullException : Exception
{
    /// <summary>Creates the exception with the outbox state.</summary>
    public OutboxFullException(string databasePath, OutboxUsage usage, int maxEntries, long maxBytes, long entryBytes)
        : base($"Outbox '{databasePath}' is full: {usage.Entries}/{maxEntries} entries, {usage.Bytes}/{maxBytes} bytes; refused a new entry of {entryBytes} bytes.")
    {
        Usage = usage;
    }

    /// <summary>Creates the exception.</summary>
    public OutboxFullException() : base("The outbox is full.") { }

    /// <summary>Creates the exception with a message.</summary>
    public OutboxFullException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public OutboxFullException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Usage at the time of the refusal.</summary>
    public OutboxUsage Usage { get; }
}
