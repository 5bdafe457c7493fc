using FedEdge.Core.Data;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Personalization;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Simulation.Clock;
using FedEdge.Simulation.Fleet;
using FedEdge.Simulation.Transport;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Devices;

/// <summary>
/// One simulated device: the product's <see cref="DeviceAgent"/> — built from the same <see cref="AgentOptions"/> as a real
/// agent, with seeded randomness — driven on the virtual clock, with its own data shard and a physical profile (when it is
/// plugged in, how fast it trains). Every decision (install, eligibility, invitation, status contents) is the agent's;
/// this class only measures the profile and carries messages. Each broker session is a short connection (as a device that
/// checks in when the pace asks it to): subscribe to the retained model and pace, flush the outbox, disconnect. A check-in
/// with nothing new — the device already holds the current model and exactly the current pace, and its outbox is empty —
/// opens no session (<see cref="QuietCheckInAsync"/>): the agent keeps its connection, on which nothing would arrive.
/// </summary>
public sealed class VirtualDevice : IAsyncDisposable
{
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(30);
    private readonly BrokerEndpoint _broker;
    private readonly string _fleet;
    private readonly ILoggerFactory _loggers;
    private readonly WireParser _parser = new();
    private int _session;

    // the pace bytes the agent observed in its last fetching session (the agent keeps the parsed pace and the model itself)
    private ReadOnlyMemory<byte>? _heldPacePayload;

    /// <summary>Opens the device's state under <see cref="AgentOptions.StateDirectory"/>.</summary>
    public VirtualDevice(
        DeviceProfile profile,
        Dataset train,
        AgentOptions options,
        PinnedModelKey modelKey,
        BrokerEndpoint broker,
        LocalTrainers trainers,
        TimeProvider clock,
        int seed,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        Profile = profile;
        Train = train;
        _broker = broker;
        _fleet = options.Fleet;
        _loggers = loggers;
        Random = new Random(SeedDerivation.Derive(seed, profile.Index, 1));
        var randomness = new DeviceRandomness(
            new DeterministicRandomNumberGenerator($"{seed}/{profile.DeviceId}/noise"),
            new DeterministicRandomNumberGenerator($"{seed}/{profile.DeviceId}/ids"),
            new Random(SeedDerivation.Derive(seed, profile.Index, 2)),
            new DeterministicRandomNumberGenerator($"{seed}/{profile.DeviceId}/checkin"));
        Agent = DeviceAgent.Open(options, modelKey, randomness, clock, loggers, trainers: trainers);
    }

    /// <summary>Fixed traits.</summary>
    public DeviceProfile Profile { get; }

    /// <summary>Training samples.</summary>
    public Dataset Train { get; }

    /// <summary>The device's own seeded source for scheduling decisions.</summary>
    public Random Random { get; }

    /// <summary>The device's decisions: the product's core.</summary>
    public DeviceAgent Agent { get; }

    /// <summary>ε spent so far.</summary>
    public double EpsilonSpent => Agent.Ledger.Spent().Epsilon;

    /// <summary>ε spent against the aggregator, which sees the rounds joined (unamplified; equal to <see cref="EpsilonSpent"/> without check-ins).</summary>
    public double EpsilonAgainstAggregator => Agent.Ledger.SpentAgainstAggregator().Epsilon;

    /// <summary>Whether a local run is in progress (between check-in and the end of training).</summary>
    public bool Busy { get; set; }

    /// <summary>Whether a finished update is on its way to the broker (between training and upload).</summary>
    public bool UploadPending { get; set; }

    /// <summary>Broker sessions this device opened to check in or upload (status publications and secure aggregation apart).</summary>
    public long Sessions { get; private set; }

    /// <summary>Generation of the device's one pending check-in; scheduling a new one makes older ones stale.</summary>
    public long CheckInGeneration { get; set; }

    /// <summary>
    /// What the profile says at <paramref name="now"/>: idle (a virtual device runs nothing else), charging inside its
    /// idle-and-charging window and on battery outside it, no temperature, and its shard's samples.
    /// </summary>
    public DeviceSignals Signals(DateTimeOffset now, bool? inWindow = null) =>
        new(Idle: true, Power: inWindow ?? Profile.InWindow(now) ? PowerState.Charging : PowerState.OnBattery, TemperatureCelsius: null, SamplesAvailable: Train.Count);

    /// <summary>
    /// Ticks the agent with the profile's signals and publishes the status it builds, as the agent does at start and when
    /// its state changes (the window opened or closed).
    /// </summary>
    public async Task PublishStatusAsync(DateTimeOffset now, bool inWindow, CancellationToken cancellationToken)
    {
        var signals = Signals(now, inWindow);
        Agent.Evaluate(signals);
        var status = Agent.Status(Agent.State, signals.Power, ServedSnapshot.Initial);
        await using var client = await ConnectAsync([], cancellationToken).ConfigureAwait(false);
        await client.PublishAsync(TopicScheme.Status(_fleet, Profile.DeviceId), status.ToByteArray(), retain: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A check-in on the agent's kept connection when the broker has nothing new for it: the agent has installed the model
    /// of <paramref name="expectedVersion"/> and observed exactly <paramref name="expectedPace"/> in an earlier session
    /// (offering them again changes nothing) and the outbox is empty. Null when something is new or waiting; then
    /// <see cref="SessionAsync"/> carries it.
    /// </summary>
    public async Task<CheckIn?> QuietCheckInAsync(long expectedVersion, ReadOnlyMemory<byte> expectedPace, CancellationToken cancellationToken)
    {
        if (Agent.Installed is not { } installed || (long)installed.Version != expectedVersion || Agent.Pace is not { } pace
            || _heldPacePayload is not { } held || !expectedPace.Span.SequenceEqual(held.Span))
        {
            return null;
        }

        return await PendingBytesAsync(cancellationToken).ConfigureAwait(false) == 0 ? new CheckIn(installed.Message, pace, 0) : null;
    }

    /// <summary>
    /// One broker session: flushes the outbox and, when <paramref name="expectedPace"/> is given,
    /// waits for the retained model of <paramref name="expectedVersion"/> and exactly that pace.
    /// </summary>
    public async Task<CheckIn> SessionAsync(long expectedVersion, ReadOnlyMemory<byte>? expectedPace, CancellationToken cancellationToken)
    {
        bool fetch = expectedPace is not null;
        var wanted = expectedPace.GetValueOrDefault();
        string[] topics = fetch ? [TopicScheme.Model(_fleet), TopicScheme.Pace(_fleet)] : [];
        await using var client = await ConnectAsync(topics, cancellationToken).ConfigureAwait(false);
        GlobalModel? model = null;
        Pace? pace = null;
        if (fetch)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SessionTimeout);
            bool haveModel = false, havePace = false;
            try
            {
                while (!(haveModel && havePace))
                {
                    // as the agent does: offered to the core (verified, installed), then acknowledged
                    var message = await client.Inbound.ReadAsync(timeout.Token).ConfigureAwait(false);
                    if (message.Topic == TopicScheme.Model(_fleet) && _parser.TryParseGlobalModel(message.Payload.Span, out var parsed, out _) && (long)parsed!.Version == expectedVersion)
                    {
                        model = Agent.Offer(parsed) == ModelOffer.Refused ? null : parsed;
                        haveModel = true;
                    }
                    else if (message.Topic == TopicScheme.Pace(_fleet) && message.Payload.Span.SequenceEqual(wanted.Span))
                    {
                        pace = _parser.TryParsePace(message.Payload.Span, out var parsedPace, out _) ? parsedPace : null;
                        if (pace is not null)
                        {
                            Agent.ObservePace(pace);
                        }

                        havePace = true;
                    }

                    await message.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Profile.DeviceId}: the retained model v{expectedVersion} and pace did not arrive within {SessionTimeout.TotalSeconds} s.");
            }
        }

        // MQTTnet's broker expires a session only when its client reconnects, so a subscription left in place would collect
        // every model and pace published until the next check-in (up to its pending-message limit, per device)
        await client.UnsubscribeAsync(topics, cancellationToken).ConfigureAwait(false);

        var publisher = new OutboxPublisher(Agent.Outbox, client, new OutboxPublisherOptions(), TimeProvider.System, _loggers.CreateLogger<OutboxPublisher>());
        var (_, delivered) = await publisher.PublishPassAsync(cancellationToken).ConfigureAwait(false);
        if (fetch)
        {
            _heldPacePayload = pace is null ? null : expectedPace;
        }

        Sessions++;
        return new CheckIn(model, pace, delivered);
    }

    /// <summary>Bytes waiting in the outbox.</summary>
    public async Task<long> PendingBytesAsync(CancellationToken cancellationToken) =>
        (await Agent.Outbox.GetUsageAsync(cancellationToken).ConfigureAwait(false)).Bytes;

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Agent.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<ReconnectingMqttClient> ConnectAsync(string[] topics, CancellationToken cancellationToken)
    {
        // A one-second session expiry: the broker queues nothing for a device between its sessions.
        _session++;
        var options = _broker.Options(Profile.DeviceId, Profile.DeviceId);
        options.SessionExpiry = TimeSpan.FromSeconds(1);
        var client = new ReconnectingMqttClient(options, TimeProvider.System, new Random(_session), _loggers.CreateLogger<ReconnectingMqttClient>());
        try
        {
            foreach (string topic in topics)
            {
                await client.SubscribeAsync(topic, cancellationToken).ConfigureAwait(false);
            }

            client.Start();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SessionTimeout);
            await client.WaitUntilConnectedAsync(timeout.Token).ConfigureAwait(false);
            return client;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"{Profile.DeviceId} could not connect to the broker {_broker} within {SessionTimeout.TotalSeconds} s.");
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
