using System.Security.Cryptography;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Hosting;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace FedEdge.Aggregator.Hosting;

/// <summary>
/// The hosted driver of <see cref="AggregatorNode"/> over MQTT: subscribes to the fleet's updates (a plain subscription: see
/// <see cref="StartAsync"/>), to device statuses and availability, hands every drained batch and every tick to the node,
/// and serves metrics. What a message means and what gets published is the node's decision.
/// </summary>
/// <remarks>
/// Errors: a broker that is away (<see cref="TransportUnavailableException"/>) or refuses a publication
/// (<see cref="PublishRejectedException"/>) is survived and counted (<c>fededge_loop_errors_total</c>); anything else — above
/// all a state database that cannot commit, after which memory is ahead of disk — ends the loop, which stops the host with
/// exit code 1 (<see cref="ServiceHost"/>), and systemd restarts the service from its persisted state.
/// </remarks>
public sealed partial class AggregatorService : BackgroundService
{
    private readonly AggregatorServiceOptions _options;
    private readonly TimeProvider _time;
    /// <summary>A broker that keeps refusing is logged on the first refusal and then once per this many (a minute at the 1 s tick).</summary>
    private const long RejectionLogEvery = 60;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<AggregatorService> _logger;
    private readonly LoopHeartbeat _heartbeat;
    private ECDsa? _key;
    private AggregatorNode? _node;
    private ReconnectingMqttClient? _client;
    private MetricServer? _metricServer;
    private readonly Counter _survived;
    private long _rejectedInARow;

    public AggregatorService(IOptions<AggregatorServiceOptions> options, TimeProvider time, LoopHeartbeat heartbeat, AggregatorMetrics metrics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _time = time;
        _heartbeat = heartbeat;
        _loggers = loggers;
        _logger = loggers.CreateLogger<AggregatorService>();
        Metrics = metrics;

        // in the host, beside the loop that counts them (the node's own metrics are AggregatorMetrics')
        _survived = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
            "fededge_loop_errors_total", "Errors the aggregator's loop survived, by kind; any other error stops the service (exit 1, systemd restarts it).", new CounterConfiguration { LabelNames = ["error"] });
    }

    /// <summary>The service's metrics registry.</summary>
    public AggregatorMetrics Metrics { get; }

    /// <summary>The node (after start).</summary>
    public AggregatorNode? Node => _node;

    /// <summary>Broker connections made so far, each counted once its subscriptions are restored (0 before start).</summary>
    public long Connections => _client?.Connections ?? 0;

    /// <summary>Start-up checks run here, not in ExecuteAsync: signing key, state, broker subscriptions.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var engine = _options.Engine;
        _key = ECDsa.Create();
        _key.ImportFromPem(await File.ReadAllTextAsync(_options.SigningKeyPath, cancellationToken).ConfigureAwait(false));
        _client = new ReconnectingMqttClient(_options.Mqtt, _time, new Random(engine.Seed), _loggers.CreateLogger<ReconnectingMqttClient>());
        var client = _client;
        _node = AggregatorNode.Open(engine, _options.StatePath, new ModelSigner(_key), client, _time, _loggers, Metrics, () => client.IsConnected);

        // A plain subscription, not the shared group: mosquitto 2.0's acl_file does not check subscriptions, so any device
        // may join a group, and the broker hands it every n-th update, which it may not read, and nobody else gets
        // (docs/security.md). A plain persistent subscription is also restored after a broker restart; several
        // instances sharing a fleet need a broker that checks subscriptions (deploy/SCALE.md, tier 2).
        // updates, statuses, availability, and in distributed mode the devices' secagg topics
        foreach (string filter in _node.Subscriptions)
        {
            await client.SubscribeAsync(filter, cancellationToken).ConfigureAwait(false);
        }
        client.Start();

        if (_options.MetricsPort > 0)
        {
            _metricServer = new MetricServer(_options.MetricsHost, _options.MetricsPort, registry: Metrics.Registry);
            _metricServer.Start();
        }

        LogStarted(_node.Engine.StrategyName, _node.Engine.CurrentVersion, engine.Fleet);
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

        _node?.Dispose();
        _key?.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = _client!;
        var node = _node!;
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

                var drained = new List<InboundMessage>(AggregatorNode.MaxBatch);
                while (drained.Count < AggregatorNode.MaxBatch && client.Inbound.TryRead(out var received))
                {
                    drained.Add(new InboundMessage(received.Topic, received.Payload, received.AcknowledgeAsync));
                }

                if (drained.Count > 0)
                {
                    await node.ProcessAsync(drained, stoppingToken).ConfigureAwait(false);
                }

                if (tick.IsCompleted)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        break;
                    }

                    // the next tick is awaited before this one's work, so a publication that fails waits for it instead of
                    // being retried at once in a spin; the tick is also the retry of a publication a lost connection deferred
                    tick = ticker.WaitForNextTickAsync(stoppingToken).AsTask();
                    await node.TickAsync(stoppingToken).ConfigureAwait(false);
                }

                _heartbeat.Beat();
                _rejectedInARow = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (TransportUnavailableException ex)
            {
                _survived.WithLabels("publish_deferred").Inc();
                _heartbeat.Beat(); // the loop is alive: the watchdog must not restart it for a broker that is away
                LogPublishDeferred(ex.Message);
            }
            catch (PublishRejectedException ex)
            {
                // The broker answered and refused (e.g. its ACL lacks the model or pace topic). Nothing is lost: the updates
                // were persisted and acknowledged before publishing, and the node keeps the publication pending, so every
                // tick tries again; a restart would change nothing until the broker is fixed. Counted, and logged as an error.
                _survived.WithLabels("publish_rejected").Inc();
                _heartbeat.Beat();
                if (++_rejectedInARow % RejectionLogEvery == 1)
                {
                    LogPublishRejected(ex.Topic, _rejectedInARow, ex.Message);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Aggregator started: {Strategy}, model version {Version}, fleet {Fleet}")]
    private partial void LogStarted(string strategy, long version, string fleet);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Broker unavailable; publishing deferred: {Reason}")]
    private partial void LogPublishDeferred(string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "The broker refused the publication on {Topic} ({Times} times in a row); retrying every tick: {Reason}")]
    private partial void LogPublishRejected(string topic, long times, string reason);
}
