using FedEdge.Device.Agent;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FedEdge.Agent.Hosting;

/// <summary>Drains the device's durable outbox to the broker, deleting each update only after its PUBACK.</summary>
public sealed class OutboxPumpService(DeviceAgent agent, ReconnectingMqttClient client, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>
    /// Only this process writes the outbox and every enqueue wakes the publisher at once: the idle re-read is a safety net,
    /// not the delivery path, so it runs once a minute instead of every 5 s (idle CPU, issue 5/7).
    /// </summary>
    private static readonly TimeSpan OutboxIdlePoll = TimeSpan.FromMinutes(1);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var publisher = new OutboxPublisher(agent.Outbox, client, new OutboxPublisherOptions { IdlePollInterval = OutboxIdlePoll }, time, loggers.CreateLogger<OutboxPublisher>());
        try
        {
            await publisher.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // unsent entries stay in the outbox for the next start
        }
    }
}
