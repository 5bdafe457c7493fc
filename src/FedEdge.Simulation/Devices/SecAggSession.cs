using System.Globalization;
using FedEdge.Device.Agent;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Simulation.Transport;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Devices;

/// <summary>
/// <c>--dp distributed</c>: a virtual device's connection while it takes part in a secure-aggregation group, as the agent's
/// <c>AgentService</c> keeps one — its own client identity, subscribed to its inbox (<see cref="TopicScheme.SecAggInbox"/>),
/// publishing what its <see cref="DeviceAgent"/> queued on its secagg topic (<see cref="TopicScheme.SecAgg"/>, QoS 1, not
/// retained). It carries messages and decides nothing: the participant is the agent's. Open only while the device is in a
/// group, so the number of connections is bounded by the aggregator's open groups times n (plus joins it refused, which
/// wait for their roster timeout).
/// </summary>
public sealed class SecAggSession : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ReconnectingMqttClient _client;
    private readonly string _topic;
    private readonly string _device;

    private SecAggSession(ReconnectingMqttClient client, string fleet, string device)
    {
        _client = client;
        _device = device;
        _topic = TopicScheme.SecAgg(fleet, device);
    }

    /// <summary>Inbox messages the aggregator published to this device (the broker matched its subscription) and not yet handed over.</summary>
    public int Pending { get; set; }

    /// <summary>Whether a delivery of <see cref="Pending"/> is scheduled.</summary>
    public bool DeliveryScheduled { get; set; }

    /// <summary>Whether the session may close: nothing is waiting to be handed over.</summary>
    public bool Idle => Pending == 0 && !DeliveryScheduled;

    /// <summary>
    /// Connects as <paramref name="device"/> and subscribes to its inbox. The client id is the device's with "-secagg-" and
    /// <paramref name="session"/>: never the check-in sessions' id (the broker would drop one of the two), and a new one
    /// per session, so a message queued for a closed session (the broker keeps it for its one-second expiry) never
    /// reaches the next one.
    /// </summary>
    /// <exception cref="TimeoutException">The broker did not accept the connection in time.</exception>
    public static async Task<SecAggSession> OpenAsync(BrokerEndpoint broker, string fleet, string device, long session, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(loggers);
        var options = broker.Options(device, string.Create(CultureInfo.InvariantCulture, $"{device}-secagg-{session}"));
        options.SessionExpiry = TimeSpan.FromSeconds(1);
        var client = new ReconnectingMqttClient(options, TimeProvider.System, new Random((int)session), loggers.CreateLogger<ReconnectingMqttClient>());
        try
        {
            await client.SubscribeAsync(TopicScheme.SecAggInbox(fleet, device), sendRetained: false, cancellationToken).ConfigureAwait(false);
            client.Start();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            await client.WaitUntilConnectedAsync(timeout.Token).ConfigureAwait(false);
            return new SecAggSession(client, fleet, device);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"{device} could not open its secure-aggregation session with the broker {broker} within {Timeout.TotalSeconds} s.");
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Publishes every message the agent queued, in order; returns what was sent.</summary>
    public async Task<SecAggSent> PublishAsync(DeviceAgent agent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var sent = default(SecAggSent);
        foreach (var message in agent.TakeSecureAggregationMessages())
        {
            await _client.PublishAsync(_topic, message.ToByteArray(), retain: false, cancellationToken).ConfigureAwait(false);
            sent = sent.Add(message.BodyCase);
        }

        return sent;
    }

    /// <summary>Reads the <see cref="Pending"/> inbox messages (acknowledging each) and returns their payloads in arrival order.</summary>
    /// <exception cref="TimeoutException">The broker did not deliver them in time.</exception>
    public async Task<IReadOnlyList<ReadOnlyMemory<byte>>> TakeAsync(CancellationToken cancellationToken)
    {
        var payloads = new List<ReadOnlyMemory<byte>>(Pending);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            while (payloads.Count < Pending)
            {
                var message = await _client.Inbound.ReadAsync(timeout.Token).ConfigureAwait(false);
                payloads.Add(message.Payload);
                await message.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker delivered {payloads.Count} of {Pending} secure-aggregation messages to {_device} within {Timeout.TotalSeconds} s.");
        }

        Pending = 0;
        return payloads;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _client.DisposeAsync();
}

/// <summary>Secure-aggregation messages a device sent, by kind.</summary>
/// <param name="Joins">Joins.</param>
/// <param name="Shares">Sealed shares.</param>
/// <param name="MaskedInputs">Masked inputs (the update).</param>
/// <param name="UnmaskAnswers">Answers to unmask requests.</param>
public readonly record struct SecAggSent(int Joins, int Shares, int MaskedInputs, int UnmaskAnswers)
{
    /// <summary>All messages.</summary>
    public int Total => Joins + Shares + MaskedInputs + UnmaskAnswers;

    /// <summary>One more message of <paramref name="kind"/>.</summary>
    public SecAggSent Add(SecAggDeviceMessage.BodyOneofCase kind) => kind switch
    {
        SecAggDeviceMessage.BodyOneofCase.Join => this with { Joins = Joins + 1 },
        SecAggDeviceMessage.BodyOneofCase.Shares => this with { Shares = Shares + 1 },
        SecAggDeviceMessage.BodyOneofCase.MaskedInput => this with { MaskedInputs = MaskedInputs + 1 },
        _ => this with { UnmaskAnswers = UnmaskAnswers + 1 },
    };

    /// <summary>The sum of two counts.</summary>
    public SecAggSent Plus(SecAggSent other) => new(Joins + other.Joins, Shares + other.Shares, MaskedInputs + other.MaskedInputs, UnmaskAnswers + other.UnmaskAnswers);
}
