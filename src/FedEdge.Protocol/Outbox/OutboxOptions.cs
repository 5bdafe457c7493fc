using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Protocol.Outbox;

/// <summary>Settings of a <see cref="SqliteOutbox"/>. The bounds keep a device's SD card from filling up while offline.</summary>
public sealed class OutboxOptions
{
    /// <summary>Default bound on stored entries (a week of hourly updates with headroom).</summary>
    public const int DefaultMaxEntries = 512;

    /// <summary>Default bound on stored topic and payload bytes (64 MiB).</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>Path of the SQLite database file (created if missing).</summary>
    [Required(AllowEmptyStrings = false)]
    public string DatabasePath { get; set; } = string.Empty;

    /// <summary>Most entries the outbox holds; enqueueing beyond it throws <see cref="OutboxFullException"/>.</summary>
    [Range(1, 1_000_000)]
    public int MaxEntries { get; set; } = DefaultMaxEntries;

    /// <summary>Most payload plus UTF-8 topic bytes the outbox holds; beyond it enqueueing throws <see cref="OutboxFullException"/>.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>Throws <see cref="ValidationException"/> naming every invalid setting in one message.</summary>
    public void Validate()
    {
        ValidateOptionsResult result = new OutboxOptionsValidator().Validate(null, this);
        if (result.Failed)
        {
            throw new ValidationException("Invalid outbox options: " + string.Join(" ", result.Failures));
        }
    }
}
