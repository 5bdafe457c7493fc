using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Protocol.Outbox;

/// <summary>Settings of an <see cref="OutboxPublisher"/>.</summary>
public sealed class OutboxPublisherOptions
{
    /// <summary>Entries read from the database per step.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 16;

    /// <summary>How often an empty outbox is re-read (entries written by another process are noticed this way).</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause after a pass over the outbox that delivered nothing (broker rejecting or unreachable).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Keep an entry whose PUBACK said "no matching subscribers" (MQTT 5 reason 0x10) and publish it again later:
    /// the broker dropped it. This happens while no aggregator is subscribed — e.g. mosquitto 2.0 does not restore
    /// shared subscriptions from its database after a restart, so until the aggregator resubscribes updates would
    /// be acknowledged and lost. Default true.
    /// </summary>
    public bool RetryWhenNoMatchingSubscribers { get; set; } = true;

    /// <summary>Throws <see cref="ValidationException"/> naming every invalid setting in one message.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        errors.AddRange(new OutboxPublisherOptionsValidator().Validate(null, this).Failures ?? []);

        if (IdlePollInterval <= TimeSpan.Zero)
        {
            errors.Add("IdlePollInterval must be positive.");
        }

        if (RetryDelay <= TimeSpan.Zero)
        {
            errors.Add("RetryDelay must be positive.");
        }

        if (errors.Count > 0)
        {
            throw new ValidationException("Invalid outbox publisher options: " + string.Join(" ", errors));
        }
    }
}
