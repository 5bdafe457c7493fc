using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// An MQTT 5 client that stays connected: one background loop owns connect and reconnect (exponential backoff with
/// jitter and a circuit breaker, Polly), restores subscriptions after each reconnect, publishes at QoS 1 returning
/// only after the PUBACK, and hands inbound messages to a bounded channel where the consumer acknowledges each after
/// persisting it.
/// </summary>
/// <remarks>
/// The persistent session (CleanStart = false, session expiry &gt; 0) makes the broker queue QoS 1 messages while
/// the client is away. Reconnecting is never done from the DisconnectedAsync handler (that can deadlock inside
/// MQTTnet); the handler only signals the loop. The consumer must keep reading <see cref="Inbound"/>: while the
/// channel is full MQTTnet's receive handler waits, which is the intended back-pressure but also delays MQTTnet's
/// own disconnect handling until the consumer makes room.
/// </remarks>
public sealed class ReconnectingMqttClient : IAcknowledgedPublisher, IAsyncDisposable
{
    private readonly MqttTransportOptions _options;
    private readonly TimeProvider _keepAliveClock;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly TlsCredentials? _tls;
    private readonly ResiliencePipeline _connectPipeline;
    private readonly Channel<ReceivedMessage> _inbound;
    private readonly Lock _gate = new();
    private readonly List<MqttTopicFilter> _subscriptions = [];
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _disconnected = NewSignal();
    private TaskCompletionSource _connectionMade = NewSignal();
    private long _connectionGeneration;
    private long _connections;
    private ushort _serverKeepAliveSeconds;
    private Task? _loop;
    private int _started;
    private int _disposed;

    /// <summary>Creates the client; call <see cref="Start"/> to begin connecting.</summary>
    /// <param name="options">Validated here; invalid options throw <see cref="System.ComponentModel.DataAnnotations.ValidationException"/>.</param>
    /// <param name="timeProvider">Clock for backoff delays and the circuit breaker.</param>
    /// <param name="jitter">Source of the backoff jitter (seeded by the caller).</param>
    /// <param name="logger">Structured log sink.</param>
    /// <param name="keepAliveClock">
    /// Clock of the keep-alive pings and their timeout; null = the system clock. The broker judges keep-alive in real
    /// time, so only a test of the pings themselves passes another clock (a virtual <paramref name="timeProvider"/>
    /// must not starve the pings and get the connection dropped).
    /// </param>
    public ReconnectingMqttClient(MqttTransportOptions options, TimeProvider timeProvider, Random jitter, ILogger<ReconnectingMqttClient> logger, TimeProvider? keepAliveClock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(jitter);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _keepAliveClock = keepAliveClock ?? TimeProvider.System;
        _logger = logger;
        _tls = options.UseTls ? TlsCredentials.Load(options) : null;
        _clientOptions = BuildClientOptions(options, _tls);
        _connectPipeline = BuildConnectPipeline(options, timeProvider, jitter, logger);
        _inbound = Channel.CreateBounded<ReceivedMessage>(new BoundedChannelOptions(options.MaxInboundQueueLength)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
        });
        _client = new MqttClientFactory().CreateMqttClient(new KeepAliveAnnouncingAdapterFactory((ushort)options.KeepAlive.TotalSeconds));
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
    }

    /// <summary>Inbound messages of all subscriptions, bounded by <see cref="MqttTransportOptions.MaxInboundQueueLength"/>.</summary>
    public ChannelReader<ReceivedMessage> Inbound => _inbound.Reader;

    /// <summary>True while a connection is established and subscriptions are restored.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _connected.Task.IsCompleted && _client.IsConnected;
            }
        }
    }

    /// <summary>
    /// How many connections were established so far (each counted once its subscriptions are restored); 0 before the
    /// first. A consumer that must act once per connection — announce itself, publish its availability — remembers
    /// the count it acted on and waits with <see cref="WaitForConnectionAsync"/>.
    /// </summary>
    public long Connections
    {
        get
        {
            lock (_gate)
            {
                return _connections;
            }
        }
    }

    /// <summary>
    /// Completes once more than <paramref name="seen"/> connections were established (immediately if that already
    /// happened). The caller publishes from its own loop afterwards: this client's loop owns connect and reconnect,
    /// and nothing is published from inside MQTTnet's event handlers.
    /// </summary>
    public Task WaitForConnectionAsync(long seen, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _connections > seen ? Task.CompletedTask : _connectionMade.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Starts the background connect loop. Subscriptions added before are made on the first connect.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The client is already started.");
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Completes when the client is connected (or immediately if it is).</summary>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _connected.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Adds a QoS 1 subscription that is restored after every reconnect. When connected it is made at once and a
    /// refusal throws <see cref="SubscriptionRejectedException"/>; otherwise it is made on the next connect, in one
    /// SUBSCRIBE packet with every other subscription. The broker sends the topic's retained messages when it makes
    /// the subscription.
    /// </summary>
    public Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken) =>
        SubscribeAsync(topicFilter, sendRetained: true, cancellationToken);

    /// <summary>
    /// As <see cref="SubscribeAsync(string, CancellationToken)"/>; with <paramref name="sendRetained"/> false the
    /// subscription asks the broker not to send retained messages when it is made (MQTT 5 Retain Handling 2), for
    /// topics whose messages are never meant to be retained (a device's secure-aggregation inbox). The broker then
    /// skips its retained-message lookup for it, and a retained message left on the topic by mistake is not replayed.
    /// </summary>
    public async Task SubscribeAsync(string topicFilter, bool sendRetained, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicFilter);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var filter = new MqttTopicFilterBuilder().WithTopic(topicFilter).WithAtLeastOnceQoS()
            .WithRetainHandling(sendRetained ? MqttRetainHandling.SendAtSubscribe : MqttRetainHandling.DoNotSendOnSubscribe)
            .Build();
        bool connected;
        lock (_gate)
        {
            _subscriptions.Add(filter);
            connected = _connected.Task.IsCompleted;
        }

        if (connected)
        {
            try
            {
                if ((await SubscribeOnceAsync([filter], cancellationToken).ConfigureAwait(false))[0] is { } refusal)
                {
                    lock (_gate)
                    {
                        _subscriptions.Remove(filter);
                    }

                    throw new SubscriptionRejectedException(filter.Topic, refusal);
                }
            }
            catch (MqttCommunicationException)
            {
                // The connection dropped meanwhile; the loop subscribes on the next connect.
            }
        }
    }

    /// <summary>
    /// Removes a subscription: it is no longer restored after a reconnect and, when connected, the broker is told at once
    /// (UNSUBSCRIBE, waiting for its UNSUBACK), so the session stops collecting the topic's messages while this client is
    /// away. When not connected only the restore is dropped; the broker's session keeps the subscription until it expires.
    /// </summary>
    public Task UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken) =>
        UnsubscribeAsync([topicFilter], cancellationToken);

    /// <summary>
    /// Removes several subscriptions as <see cref="UnsubscribeAsync(string, CancellationToken)"/> does one, in a single
    /// UNSUBSCRIBE packet (one round trip).
    /// </summary>
    public async Task UnsubscribeAsync(IReadOnlyList<string> topicFilters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        foreach (string topicFilter in topicFilters)
        {
            ArgumentException.ThrowIfNullOrEmpty(topicFilter, nameof(topicFilters));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (topicFilters.Count == 0)
        {
            return;
        }

        bool connected;
        lock (_gate)
        {
            _subscriptions.RemoveAll(f => topicFilters.Contains(f.Topic));
            connected = _connected.Task.IsCompleted;
        }

        if (!connected)
        {
            return;
        }

        var options = new MqttClientUnsubscribeOptionsBuilder();
        foreach (string topicFilter in topicFilters)
        {
            options.WithTopicFilter(topicFilter);
        }

        try
        {
            var result = await _client.UnsubscribeAsync(options.Build(), cancellationToken).ConfigureAwait(false);
            foreach (var item in result.Items)
            {
                if (item.ResultCode is not (MqttClientUnsubscribeResultCode.Success or MqttClientUnsubscribeResultCode.NoSubscriptionExisted))
                {
                    _logger.UnsubscribeRefused(_options.ClientId, item.TopicFilter, item.ResultCode.ToString());
                }
            }
        }
        catch (MqttCommunicationException)
        {
            // The connection dropped meanwhile: nothing restores the subscriptions on the next connect.
        }
    }

    /// <inheritdoc />
    public async Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayloadSegment(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttCommunicationException ex)
        {
            throw new TransportUnavailableException($"Connection lost before the PUBACK for '{topic}' arrived.", ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // MQTTnet cancels pending PUBACK waits when its connection drops.
            throw new TransportUnavailableException($"Connection lost before the PUBACK for '{topic}' arrived.");
        }

        if (!result.IsSuccess)
        {
            _logger.PublishRejected(_options.ClientId, topic, result.ReasonCode.ToString());
            throw new PublishRejectedException(topic, result.ReasonCode, result.ReasonString);
        }

        return new PublishAcknowledgement(result.ReasonCode);
    }

    /// <summary>
    /// When set, <see cref="DisposeAsync"/> disconnects with MQTT 5's "disconnect with will message" instead of a normal
    /// disconnect, so the broker publishes the last will (<see cref="MqttTransportOptions.LastWillTopic"/>): for a client
    /// whose own goodbye did not get through.
    /// </summary>
    public bool SendWillOnDispose { get; set; }

    /// <summary>Stops the loop, disconnects cleanly (no last will unless <see cref="SendWillOnDispose"/>) and completes <see cref="Inbound"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.OperationTimeout);
                var reason = SendWillOnDispose ? MqttClientDisconnectOptionsReason.DisconnectWithWillMessage : MqttClientDisconnectOptionsReason.NormalDisconnection;
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(reason).Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException)
            {
                _logger.Disconnected(_options.ClientId, "disconnect at shutdown failed", ex);
            }
        }

        _inbound.Writer.TryComplete();
        _client.Dispose();
        _tls?.Dispose();
        _stopping.Dispose();
        _logger.Stopped(_options.ClientId);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Task disconnected;
            try
            {
                await _connectPipeline.ExecuteAsync(ConnectOnceAsync, stopping).ConfigureAwait(false);
                lock (_gate)
                {
                    disconnected = _disconnected.Task;
                }

                await KeepAliveUntilAsync(disconnected, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async ValueTask ConnectOnceAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }

            _disconnected = NewSignal();
        }

        if (_client.IsConnected)
        {
            // A previous attempt connected but failed to restore subscriptions: start over on a fresh connection.
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken).ConfigureAwait(false);
        }

        // A new generation before CONNACK: the broker resends unacknowledged messages right after CONNACK, possibly
        // before ConnectAsync returns, and those must be acknowledged on this connection. Messages of the previous
        // connection keep the old generation; their acknowledgement is skipped and the broker redelivers them.
        Interlocked.Increment(ref _connectionGeneration);
        MqttClientConnectResult result;
        try
        {
            result = await _client.ConnectAsync(_clientOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttCommunicationException) when (_tls?.LastRefusal is string refusal)
        {
            // MQTTnet reports only that the validation callback said no; the reason goes to the log once per attempt.
            _logger.BrokerCertificateRefused(_options.ClientId, _options.Host, _options.Port, refusal);
            throw;
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new MqttCommunicationException($"Broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        _serverKeepAliveSeconds = result.ServerKeepAlive;

        MqttTopicFilter[] filters;
        lock (_gate)
        {
            filters = [.. _subscriptions];
        }

        // every subscription in one SUBSCRIBE packet: one round trip, and one pass over the broker's retained messages
        if (filters.Length > 0)
        {
            var refused = await SubscribeOnceAsync(filters, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < filters.Length; i++)
            {
                if (refused[i] is not null)
                {
                    lock (_gate)
                    {
                        _subscriptions.Remove(filters[i]);
                    }
                }
            }
        }

        TaskCompletionSource made;
        lock (_gate)
        {
            _connected.TrySetResult();
            _connections++;
            made = _connectionMade;
            _connectionMade = NewSignal();
        }

        made.TrySetResult();
        _logger.Connected(_options.ClientId, _options.Host, _options.Port, result.IsSessionPresent);
    }

    /// <summary>
    /// Sends a PINGREQ every half keep-alive until the connection is lost: the broker hears from us well within its
    /// 1.5 × keep-alive limit, and an unanswered ping (a dead Wi-Fi link) drops the connection so the loop reconnects.
    /// MQTTnet's own keep-alive loop is off (see <see cref="KeepAliveAnnouncingAdapterFactory"/>) unless the broker
    /// imposed its own Server Keep Alive in the CONNACK; then MQTTnet pings at that period and this only waits.
    /// </summary>
    private async Task KeepAliveUntilAsync(Task disconnected, CancellationToken stopping)
    {
        if (_serverKeepAliveSeconds > 0)
        {
            await disconnected.WaitAsync(stopping).ConfigureAwait(false);
            return;
        }

        using var timer = new PeriodicTimer(_options.KeepAlive / 2, _keepAliveClock);
        while (true)
        {
            var tick = timer.WaitForNextTickAsync(stopping).AsTask();
            if (await Task.WhenAny(tick, disconnected).ConfigureAwait(false) == disconnected)
            {
                return;
            }

            await tick.ConfigureAwait(false);
            await PingOrDropAsync(stopping).ConfigureAwait(false);
        }
    }

    private async Task PingOrDropAsync(CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_options.OperationTimeout, _keepAliveClock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        try
        {
            await _client.PingAsync(linked.Token).ConfigureAwait(false);
            return;
        }
        catch (MqttCommunicationException) when (stopping.IsCancellationRequested)
        {
            // a ping in flight when the client stops comes back from MQTTnet as a communication (timeout) error, not as
            // a cancellation: the stop wins, and it ends the loop the one way a stop does (seen escaping DisposeAsync)
            stopping.ThrowIfCancellationRequested();
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException && !stopping.IsCancellationRequested)
        {
            _logger.PingUnanswered(_options.ClientId, ex);
        }

        try
        {
            // raises DisconnectedAsync (ClientWasConnected), which signals the loop to reconnect
            using var disconnectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            disconnectTimeout.CancelAfter(_options.OperationTimeout);
            await _client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.UnspecifiedError).Build(),
                disconnectTimeout.Token).ConfigureAwait(false);
        }
        catch (MqttCommunicationException) when (stopping.IsCancellationRequested)
        {
            stopping.ThrowIfCancellationRequested();
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException && !stopping.IsCancellationRequested)
        {
            // the link is already gone; MQTTnet has torn the connection down and raised DisconnectedAsync
            _logger.Disconnected(_options.ClientId, "keep-alive ping unanswered", ex);
        }
    }

    /// <summary>
    /// Makes <paramref name="filters"/> in one SUBSCRIBE packet. Returns, per filter, the broker's refusal (a result
    /// code above GrantedQoS2, logged) or null when it was granted.
    /// </summary>
    private async Task<MqttClientSubscribeResultCode?[]> SubscribeOnceAsync(MqttTopicFilter[] filters, CancellationToken cancellationToken)
    {
        var options = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in filters)
        {
            options.WithTopicFilter(filter);
        }

        var result = await _client.SubscribeAsync(options.Build(), cancellationToken).ConfigureAwait(false);
        var refused = new MqttClientSubscribeResultCode?[filters.Length];
        foreach (var item in result.Items)
        {
            int index = Array.FindIndex(filters, f => f.Topic == item.TopicFilter.Topic);
            if (index < 0)
            {
                continue;
            }

            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                _logger.SubscriptionRefused(_options.ClientId, item.TopicFilter.Topic, item.ResultCode.ToString());
                refused[index] = item.ResultCode;
            }
            else
            {
                _logger.Subscribed(_options.ClientId, item.TopicFilter.Topic);
            }
        }

        return refused;
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        // MQTTnet raises this event (on a pool thread, possibly late) for failed connect attempts too; those already
        // failed ConnectAsync and are retried by the pipeline, so only the loss of an established connection counts.
        if (!args.ClientWasConnected)
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }

            _disconnected.TrySetResult();
        }

        _logger.Disconnected(_options.ClientId, args.ReasonString ?? args.Reason.ToString(), args.Exception);
        return Task.CompletedTask;
    }

    private async Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        // Acknowledge only after the consumer persisted the message (ReceivedMessage.AcknowledgeAsync).
        args.AutoAcknowledge = false;
        var generation = Interlocked.Read(ref _connectionGeneration);
        var message = args.ApplicationMessage;
        _logger.MessageReceived(_options.ClientId, message.Topic, generation, message.Dup);
        var received = new ReceivedMessage(
            message.Topic,
            message.Payload.ToArray(),
            message.Retain,
            message.Dup,
            cancellationToken => AcknowledgeAsync(args, message.Topic, generation, cancellationToken));

        // Waiting here is the back-pressure: MQTT 5 Receive Maximum (= channel capacity) stops the broker from sending
        // more unacknowledged QoS 1 messages while the consumer is behind.
        await _inbound.Writer.WriteAsync(received, _stopping.Token).ConfigureAwait(false);
    }

    private async Task AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs args, string topic, long generation, CancellationToken cancellationToken)
    {
        if (generation != Interlocked.Read(ref _connectionGeneration) || !_client.IsConnected)
        {
            _logger.AcknowledgementSkipped(_options.ClientId, topic, null);
            return;
        }

        try
        {
            await args.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
            _logger.MessageAcknowledged(_options.ClientId, topic);
        }
        catch (MqttCommunicationException ex)
        {
            _logger.AcknowledgementSkipped(_options.ClientId, topic, ex);
        }
    }

    /// <summary>
    /// The MQTTnet options of this client. Keep-alive is 0 here (MQTTnet's own 250 ms keep-alive loop stays off); the
    /// configured value reaches the broker only through <see cref="KeepAliveAnnouncingAdapterFactory"/>, so a bare
    /// MQTTnet client connecting with these options (tests of authentication) announces no keep-alive.
    /// </summary>
    internal static MqttClientOptions BuildClientOptions(MqttTransportOptions options, TlsCredentials? tls)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.ClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(TimeSpan.Zero) // announced in CONNECT by KeepAliveAnnouncingAdapterFactory; we ping ourselves
            .WithTimeout(options.OperationTimeout)
            .WithReceiveMaximum((ushort)options.MaxInboundQueueLength)
            .WithMaximumPacketSize((uint)options.MaximumPacketBytes);
        if (tls is not null)
        {
            builder = builder.WithTlsOptions(tls.ToTlsOptions(options.TlsTargetHost ?? options.Host));
        }

        if (options.Username is not null)
        {
            builder = builder.WithCredentials(options.Username, options.Password);
        }

        if (options.LastWillTopic is not null)
        {
            builder = builder
                .WithWillTopic(options.LastWillTopic)
                .WithWillPayload(options.LastWillPayload.ToArray())
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithWillRetain(true);
        }

        return builder.Build();
    }

    private static ResiliencePipeline BuildConnectPipeline(MqttTransportOptions options, TimeProvider timeProvider, Random jitter, ILogger logger)
    {
        var retryable = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException);
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = retryable,
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectBaseDelay,
                MaxDelay = options.ReconnectMaxDelay,
                Randomizer = jitter.NextDouble,
                OnRetry = args =>
                {
                    logger.ConnectAttemptFailed(options.ClientId, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = retryable,
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                OnOpened = args =>
                {
                    logger.CircuitOpened(options.ClientId, args.BreakDuration);
                    return default;
                },
                OnClosed = _ =>
                {
                    logger.CircuitClosed(options.ClientId);
                    return default;
                },
            })
            .Build();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
