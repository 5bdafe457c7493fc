using System.Collections.Concurrent;
using FedEdge.Protocol.Transport;

namespace FedEdge.IntegrationTests.Broker;

/// <summary>
/// The aggregator side of the tests: reads updates, "persists" each id (counts it), then acknowledges — the order
/// the real aggregator follows. Payloads start with the 16-byte update id.
/// </summary>
public sealed class UpdateCollector : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _deliveries = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    public UpdateCollector(ReconnectingMqttClient aggregator) => _reading = Task.Run(() => ReadAsync(aggregator, _stop.Token));

    /// <summary>Deliveries per update id (hex); more than one means a redelivery.</summary>
    public IReadOnlyDictionary<string, int> Deliveries => _deliveries;

    public async Task<bool> WaitForAsync(Func<IReadOnlyDictionary<string, int>, bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition(_deliveries))
        {
            if (deadline.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
            // Expected at the end of the test.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync(ReconnectingMqttClient aggregator, CancellationToken cancellationToken)
    {
        await foreach (var message in aggregator.Inbound.ReadAllAsync(cancellationToken))
        {
            var id = Convert.ToHexString(message.Payload.Span[..16]);
            _deliveries.AddOrUpdate(id, 1, (_, count) => count + 1);
            await message.AcknowledgeAsync(cancellationToken);
        }
    }
}
