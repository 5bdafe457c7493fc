namespace FedEdge.Protocol.Transport;

/// <summary>Defaults for <see cref="MqttTransportOptions"/>, chosen for a Raspberry-Pi-class device on home Wi-Fi.</summary>
public static class MqttTransportConstants
{
    /// <summary>Default TLS port of an MQTT broker (IANA "secure-mqtt").</summary>
    public const int DefaultPort = 8883;

    /// <summary>Keep-alive: short enough that a dead Wi-Fi link is noticed within a minute and a half (1.5 × keep-alive).</summary>
    public static readonly TimeSpan DefaultKeepAlive = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Session expiry: a day, so QoS 1 messages queued by the broker survive an overnight outage. MQTT 5 defaults
    /// to 0 (session ends at disconnect), which would lose them.
    /// </summary>
    public static readonly TimeSpan DefaultSessionExpiry = TimeSpan.FromDays(1);

    /// <summary>Timeout of one MQTT operation (CONNECT, SUBSCRIBE, waiting for a PUBACK).</summary>
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect delay; doubled per failed attempt, with jitter.</summary>
    public static readonly TimeSpan DefaultReconnectBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the reconnect delay, so a device comes back within minutes after a broker outage.</summary>
    public static readonly TimeSpan DefaultReconnectMaxDelay = TimeSpan.FromMinutes(2);

    /// <summary>Circuit breaker opens when this share of connect attempts in the sampling window failed.</summary>
    public const double DefaultCircuitBreakerFailureRatio = 0.9;

    /// <summary>Circuit breaker needs at least this many attempts in the sampling window before it may open.</summary>
    public const int DefaultCircuitBreakerMinimumThroughput = 5;

    /// <summary>Sampling window of the circuit breaker.</summary>
    public static readonly TimeSpan DefaultCircuitBreakerSamplingDuration = TimeSpan.FromMinutes(2);

    /// <summary>How long an open circuit rejects connect attempts before one probe is let through.</summary>
    public static readonly TimeSpan DefaultCircuitBreakerBreakDuration = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Inbound messages held before the consumer acknowledges them; also sent to the broker as MQTT 5 Receive
    /// Maximum so it never has more unacknowledged QoS 1 messages in flight to us.
    /// </summary>
    public const int DefaultMaxInboundQueueLength = 64;

    /// <summary>Largest MQTT packet accepted or sent (4 MiB: a float16 MLP update with headroom).</summary>
    public const int DefaultMaximumPacketBytes = 4 * 1024 * 1024;
}
