using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Logging;

namespace FedEdge.Protocol.Outbox;

/// <summary>
/// Drains a <see cref="SqliteOutbox"/> through an <see cref="IAcknowledgedPublisher"/>: oldest entries first, each
/// deleted only after the broker's PUBACK. A broken connection or a rejection leaves the entry in place, so a broker
/// outage or a process restart delays delivery but never loses an entry (at-least-once; receivers deduplicate by
/// update id).
/// </summary>
public sealed class OutboxPublisher
{
    private readonly SqliteOutbox _outbox;
    private readonly IAcknowledgedPublisher _publisher;
    private readonly OutboxPublisherOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the publisher; <see cref="RunAsync"/> does the work.</summary>
    public OutboxPublisher(SqliteOutbox outbox, IAcknowledgedPublisher publisher, OutboxPublisherOptions options, TimeProvider timeProvider, ILogger<OutboxPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _outbox = outbox;
        _publisher = publisher;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Publishes until cancelled (then throws <see cref="OperationCanceledException"/>); waits for new entries when the outbox is empty.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // one way to end: cancellation, always as OperationCanceledException (checking the flag in the loop condition
            // instead let a stop that raced a finished wait end the loop normally, so callers saw two different endings)
            cancellationToken.ThrowIfCancellationRequested();
            var (seen, delivered) = await PublishPassAsync(cancellationToken).ConfigureAwait(false);
            if (seen == 0)
            {
                await _outbox.WaitForEnqueueAsync(_options.IdlePollInterval, cancellationToken).ConfigureAwait(false);
            }
            else if (delivered == 0)
            {
                await Task.Delay(_options.RetryDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One walk over the whole outbox, oldest first. Returns how many entries it saw and how many it delivered.
    /// Walking by sequence (instead of always re-reading the head) keeps a rejected entry from blocking the rest.
    /// </summary>
    public async Task<(int Seen, int Delivered)> PublishPassAsync(CancellationToken cancellationToken)
    {
        long cursor = 0;
        int seen = 0, delivered = 0;
        while (true)
        {
            var batch = await _outbox.ReadOldestAsync(cursor, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return (seen, delivered);
            }

            foreach (var entry in batch)
            {
                seen++;
                cursor = entry.Sequence;
                switch (await TryDeliverAsync(entry, cancellationToken).ConfigureAwait(false))
                {
                    case Delivery.Delivered:
                        delivered++;
                        break;
                    case Delivery.ConnectionLost:
                        // Start the next pass from the oldest entry again, so a reconnect keeps the send order.
                        return (seen, delivered);
                }
            }
        }
    }

    private async Task<Delivery> TryDeliverAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        PublishAcknowledgement acknowledgement;
        try
        {
            acknowledgement = await _publisher.PublishAsync(entry.Topic, entry.Payload, retain: false, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportUnavailableException ex)
        {
            _logger.TransportInterrupted(Convert.ToHexString(entry.UpdateId.Span), ex);
            await _outbox.RecordFailedAttemptAsync(entry.UpdateId, cancellationToken).ConfigureAwait(false);
            return Delivery.ConnectionLost;
        }
        catch (PublishRejectedException ex)
        {
            _logger.Rejected(Convert.ToHexString(entry.UpdateId.Span), entry.Topic, entry.Attempts + 1, ex);
            await _outbox.RecordFailedAttemptAsync(entry.UpdateId, cancellationToken).ConfigureAwait(false);
            return Delivery.Kept;
        }

        if (acknowledgement.NoMatchingSubscribers && _options.RetryWhenNoMatchingSubscribers)
        {
            _logger.NoMatchingSubscribers(Convert.ToHexString(entry.UpdateId.Span), entry.Topic, entry.Attempts + 1);
            await _outbox.RecordFailedAttemptAsync(entry.UpdateId, cancellationToken).ConfigureAwait(false);
            return Delivery.Kept;
        }

        // Deleted only now, after the PUBACK: a crash between publish and delete means one duplicate, never a loss.
        await _outbox.RemoveAsync(entry.UpdateId, CancellationToken.None).ConfigureAwait(false);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.Delivered(Convert.ToHexString(entry.UpdateId.Span), entry.Topic, entry.Attempts);
        }
        return Delivery.Delivered;
    }

    private enum Delivery
    {
        Delivered,
        Kept,
        ConnectionLost,
    }
}
