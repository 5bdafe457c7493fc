using System.Security.Cryptography;
using FedEdge.Device.Contribution;
using FedEdge.Device.Privacy;
using FedEdge.Core.Data;
using FedEdge.Core.Privacy;
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
/// One simulated device: the agent's privacy ledger, outbox, contribution runner and MQTT client,
/// with its own data shard and seeded randomness. Each broker session is a short connection (as a
/// device that checks in when the pace message asks it to): subscribe to the retained model and
/// pace, verify the model's signature, flush the outbox, disconnect.
/// </summary>
public sealed class VirtualDevice : IAsyncDisposable
{
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(30);
    private readonly BrokerEndpoint _broker;
    private readonly string _fleet;
    private readonly ILoggerFactory _loggers;
    private readonly PrivacyLedger _ledger;
    private readonly SqliteOutbox _outbox;
    private readonly DeterministicRandomNumberGenerator _noiseSource;
    private readonly DeterministicRandomNumberGenerator _ids;
    private readonly GaussianNoise _noise;
    private readonly ContributionRunner _runner;
    private readonly ModelVerifier _verifier;
    private readonly WireParser _parser = new();
    private int _session;

    /// <summary>Opens the device's state under <paramref name="directory"/>.</summary>
    public VirtualDevice(
        DeviceProfile profile,
        Dataset train,
        ContributionSettings settings,
        PrivacyBudget budget,
        PinnedModelKey modelKey,
        BrokerEndpoint broker,
        LocalTrainers trainers,
        TimeProvider clock,
        string directory,
        int seed,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggers);
        Profile = profile;
        Train = train;
        _broker = broker;
        _fleet = settings.Fleet;
        _loggers = loggers;
        Random = new Random(SeedDerivation.Derive(seed, profile.Index, 1));
        Directory.CreateDirectory(directory);
        _ledger = PrivacyLedger.Open(Path.Combine(directory, "privacy.ledger"), budget, new RdpAccountant(), clock);
        _outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = Path.Combine(directory, "outbox.db") }, clock, loggers.CreateLogger<SqliteOutbox>());
        _noiseSource = new DeterministicRandomNumberGenerator($"{seed}/{profile.DeviceId}/noise");
        _ids = new DeterministicRandomNumberGenerator($"{seed}/{profile.DeviceId}/ids");
        _noise = new GaussianNoise(_noiseSource);
        _runner = new ContributionRunner(settings, _ledger, _outbox, _noise, _ids, new Random(SeedDerivation.Derive(seed, profile.Index, 2)), clock, trainers);
        _verifier = new ModelVerifier([modelKey], settings.Fleet);
    }

    /// <summary>Fixed traits.</summary>
    public DeviceProfile Profile { get; }

    /// <summary>Training samples.</summary>
    public Dataset Train { get; }

    /// <summary>The device's own seeded source for scheduling decisions.</summary>
    public Random Random { get; }

    /// <summary>The contribution runner.</summary>
    public ContributionRunner Runner => _runner;

    /// <summary>ε spent so far.</summary>
    public double EpsilonSpent => _ledger.Spent().Epsilon;

    /// <summary>The model the running local training started from.</summary>
    public GlobalModel? TrainingModel { get; set; }

    /// <summary>The version this device last contributed to.</summary>
    public ulong LastContributedVersion { get; set; }

    /// <summary>The FedAvg round this device last trained for.</summary>
    public ulong LastRound { get; set; }

    /// <summary>The last pace message the device read (its check-in window).</summary>
    public Pace? LastPace { get; set; }

    /// <summary>Whether a local run is in progress (between check-in and the end of training).</summary>
    public bool Busy { get; set; }

    /// <summary>Whether a finished update is on its way to the broker (between training and upload).</summary>
    public bool UploadPending { get; set; }

    /// <summary>Generation of the device's one pending check-in; scheduling a new one makes older ones stale.</summary>
    public long CheckInGeneration { get; set; }

    /// <summary>
    /// Publishes the device's status (memory class, budget, and whether it can train now: idle, or
    /// waiting for power outside its idle-and-charging window), as the agent does at start and on change.
    /// </summary>
    public async Task PublishStatusAsync(DateTimeOffset now, bool inWindow, CancellationToken cancellationToken)
    {
        var status = new DeviceStatus
        {
            ProtocolMajor = ProtocolVersion.Major,
            DeviceId = Profile.DeviceId,
            Fleet = _fleet,
            State = inWindow ? DeviceState.Idle : DeviceState.ChargingWait,
            MemoryBudgetBytes = (ulong)Profile.Board.TrainingBudgetBytes,
            ComputeScore = Profile.SpeedFactor * Profile.Board.SamplesPerSecond,
            PowerSource = Profile.OnMains ? PowerSource.Mains : PowerSource.Usb,
            Charging = inWindow,
            TimestampUnixMs = now.ToUnixTimeMilliseconds(),
            MemoryClass = Profile.Board.Name,
        };
        await using var client = await ConnectAsync([], cancellationToken).ConfigureAwait(false);
        await client.PublishAsync(TopicScheme.Status(_fleet, Profile.DeviceId), status.ToByteArray(), retain: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One broker session: flushes the outbox and, when <paramref name="expectedPace"/> is given,
    /// waits for the retained model of <paramref name="expectedVersion"/> and exactly that pace.
    /// </summary>
    public async Task<CheckIn> SessionAsync(long expectedVersion, byte[]? expectedPace, CancellationToken cancellationToken)
    {
        bool fetch = expectedPace is not null;
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
                    var message = await client.Inbound.ReadAsync(timeout.Token).ConfigureAwait(false);
                    await message.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
                    if (message.Topic == TopicScheme.Model(_fleet) && _parser.TryParseGlobalModel(message.Payload.Span, out var parsed, out _) && (long)parsed!.Version == expectedVersion)
                    {
                        model = _verifier.Verify(parsed).Succeeded ? parsed : null;
                        haveModel = true;
                    }
                    else if (message.Topic == TopicScheme.Pace(_fleet) && message.Payload.Span.SequenceEqual(expectedPace))
                    {
                        pace = _parser.TryParsePace(message.Payload.Span, out var parsedPace, out _) ? parsedPace : null;
                        havePace = true;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Profile.DeviceId}: the retained model v{expectedVersion} and pace did not arrive within {SessionTimeout.TotalSeconds} s.");
            }
        }

        var publisher = new OutboxPublisher(_outbox, client, new OutboxPublisherOptions(), TimeProvider.System, _loggers.CreateLogger<OutboxPublisher>());
        var (_, delivered) = await publisher.PublishPassAsync(cancellationToken).ConfigureAwait(false);
        return new CheckIn(model, pace, delivered);
    }

    /// <summary>Bytes waiting in the outbox.</summary>
    public async Task<long> PendingBytesAsync(CancellationToken cancellationToken) =>
        (await _outbox.GetUsageAsync(cancellationToken).ConfigureAwait(false)).Bytes;

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _runner.Dispose();
        _verifier.Dispose();
        _outbox.Dispose();
        _ledger.Dispose();
        _noise.Dispose();
        _noiseSource.Dispose();
        _ids.Dispose();
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
