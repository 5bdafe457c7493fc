using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.Hosting;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace FedEdge.Aggregator.Hosting;

/// <summary>
/// The service shell around <see cref="AggregationEngine"/>: subscribes to the fleet's updates
/// through the shared subscription (so several instances can share a fleet) and to device
/// statuses, hands every message to the engine and acknowledges it only after the engine has
/// persisted its effect, publishes each new signed model and the pace retained, and serves metrics.
/// </summary>
public sealed partial class AggregatorService : BackgroundService
{
    /// <summary>Most messages persisted in one group commit.</summary>
    private const int MaxBatch = 64;

    private readonly AggregatorServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<AggregatorService> _logger;
    private AggregatorStateStore? _store;
    private ECDsa? _key;
    private AggregationEngine? _engine;
    private ReconnectingMqttClient? _client;
    private MetricServer? _metricServer;
    private bool _modelPending;
    private long _lastPacedVersion = -1;
    private uint _lastPacedWanted = uint.MaxValue;

    private readonly LoopHeartbeat _heartbeat;

    public AggregatorService(IOptions<AggregatorServiceOptions> options, TimeProvider time, LoopHeartbeat heartbeat, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        _heartbeat = heartbeat;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<AggregatorService>();
        Metrics = new AggregatorMetrics();
    }

    /// <summary>The service's metrics registry.</summary>
    public AggregatorMetrics Metrics { get; }

    /// <summary>The engine (after start).</summary>
    public AggregationEngine? Engine => _engine;

    /// <summary>Start-up checks run here, not in ExecuteAsync: state, signing key, engine, broker subscriptions.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(_options.StatePath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        _store = AggregatorStateStore.Open(_options.StatePath);
        _key = ECDsa.Create();
        _key.ImportFromPem(await File.ReadAllTextAsync(_options.SigningKeyPath, cancellationToken).ConfigureAwait(false));
        _engine = new AggregationEngine(_options.Engine, _store, new ModelSigner(_key), _time, _loggers.CreateLogger<AggregationEngine>(), Metrics);
        _engine.Initialize();
        _modelPending = true;

        _client = new ReconnectingMqttClient(_options.Mqtt, _time, new Random(_options.Engine.Seed), _loggers.CreateLogger<ReconnectingMqttClient>());
        await _client.SubscribeAsync(TopicScheme.SharedUpdatesSubscription(_options.Engine.Fleet), cancellationToken).ConfigureAwait(false);
        await _client.SubscribeAsync(TopicScheme.AllStatusFilter(_options.Engine.Fleet), cancellationToken).ConfigureAwait(false);
        await _client.SubscribeAsync(TopicScheme.AllAvailabilityFilter(_options.Engine.Fleet), cancellationToken).ConfigureAwait(false);
        _client.Start();

        if (_options.MetricsPort > 0)
        {
            _metricServer = new MetricServer(_options.MetricsHost, _options.MetricsPort, registry: Metrics.Registry);
            _metricServer.Start();
        }

        LogStarted(_engine.StrategyName, _engine.CurrentVersion, _options.Engine.Fleet);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        if (_metricServer is not null)
        {
            await _metricServer.StopAsync().ConfigureAwait(false);
        }

        _store?.Dispose();
        _key?.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = _client!;
        var engine = _engine!;
        using var ticker = new PeriodicTimer(_options.TickInterval, _time);
        Task<bool> tick = ticker.WaitForNextTickAsync(stoppingToken).AsTask();
        Task<bool>? message = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            // one pending wait at a time: a new one per tick would pile up waiters on the channel
            message ??= client.Inbound.WaitToReadAsync(stoppingToken).AsTask();
            try
            {
                await Task.WhenAny(message, tick).ConfigureAwait(false);
                if (message.IsCompleted)
                {
                    message = null;
                }

                var drained = new List<ReceivedMessage>(MaxBatch);
                while (drained.Count < MaxBatch && client.Inbound.TryRead(out var received))
                {
                    drained.Add(received);
                }

                if (drained.Count > 0)
                {
                    Handle(engine, drained);

                    // persisted above (one group commit): only now may the broker forget the messages
                    foreach (var received in drained)
                    {
                        await received.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
                    }
                }

                if (tick.IsCompleted)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        break;
                    }

                    _modelPending |= engine.Tick() is not null;
                    tick = ticker.WaitForNextTickAsync(stoppingToken).AsTask();
                }

                await PublishAsync(client, engine, stoppingToken).ConfigureAwait(false);
                _heartbeat.Beat();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (TransportUnavailableException ex)
            {
                LogPublishDeferred(ex.Message);
            }
        }
    }

    private void Handle(AggregationEngine engine, List<ReceivedMessage> drained)
    {
        var updates = new List<(string Topic, ReadOnlyMemory<byte> Payload)>(drained.Count);
        foreach (var received in drained)
        {
            if (!TopicScheme.TryParse(received.Topic, out var address, out string? problem))
            {
                engine.RejectTopic(received.Topic, problem);
                continue;
            }

            if (address.Kind == TopicKind.Updates)
            {
                updates.Add((received.Topic, received.Payload));
            }
            else if (address.Kind == TopicKind.Status)
            {
                engine.ObserveStatus(received.Topic, received.Payload.Span);
            }
            else if (address.Kind == TopicKind.Availability)
            {
                engine.ObserveAvailability(received.Topic, received.Payload.Span);
            }
        }

        if (updates.Count > 0)
        {
            foreach (var result in engine.ReceiveBatch(updates))
            {
                _modelPending |= result.NewModel is not null;
            }
        }
    }

    private async Task PublishAsync(ReconnectingMqttClient client, AggregationEngine engine, CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            return;
        }

        if (_modelPending)
        {
            // the model is already persisted; publishing it (retained) again after a crash is harmless
            await client.PublishAsync(TopicScheme.Model(_options.Engine.Fleet), engine.CurrentModelMessage, retain: true, cancellationToken).ConfigureAwait(false);
            _modelPending = false;
            LogPublished(engine.CurrentVersion);
        }

        var pace = engine.CurrentPace();
        if ((long)pace.ModelVersion != _lastPacedVersion || pace.UpdatesWanted != _lastPacedWanted)
        {
            await client.PublishAsync(TopicScheme.Pace(_options.Engine.Fleet), pace.ToByteArray(), retain: true, cancellationToken).ConfigureAwait(false);
            _lastPacedVersion = (long)pace.ModelVersion;
            _lastPacedWanted = pace.UpdatesWanted;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Aggregator started: {Strategy}, model version {Version}, fleet {Fleet}")]
    private partial void LogStarted(string strategy, long version, string fleet);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Published global model version {Version}")]
    private partial void LogPublished(long version);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Broker unavailable; publishing deferred: {Reason}")]
    private partial void LogPublishDeferred(string reason);
}
