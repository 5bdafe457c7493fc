namespace FedEdge.Protocol.Outbox;

/// <summary>What <see cref="SqliteOutbox.EnqueueAsync"/> did.</summary>
public enum EnqueueOutcome
{
    /// <summary>The entry was stored durably.</summary>
    Stored,

    /// <summary>An entry with this update id is already waiting; nothing changed.</summary>
    AlreadyPresent,
}
