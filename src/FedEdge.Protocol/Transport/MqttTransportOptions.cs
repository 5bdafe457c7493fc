using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using System.Globalization;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// Settings of one <see cref="ReconnectingMqttClient"/>. <see cref="Validate"/> reports every problem in one message,
/// so a bad configuration stops the service at start with all offending keys named.
/// </summary>
public sealed class MqttTransportOptions : IValidatableObject
{
    /// <summary>Broker host name or IP address; also the TLS target host unless <see cref="TlsTargetHost"/> is set.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Host { get; set; } = string.Empty;

    /// <summary>Broker TCP port.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = MqttTransportConstants.DefaultPort;

    /// <summary>MQTT client id; with a persistent session it must be stable across restarts (the device id).</summary>
    [Required(AllowEmptyStrings = false)]
    [StringLength(256)]
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Whether to use TLS. Production brokers require it (deploy/mosquitto).</summary>
    public bool UseTls { get; set; } = true;

    /// <summary>Name the broker certificate must carry; defaults to <see cref="Host"/>.</summary>
    public string? TlsTargetHost { get; set; }

    /// <summary>PEM file of the CA that signed the broker certificate; the broker chain must end in it.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>PEM file of this client's certificate (CN = device id); needs <see cref="ClientKeyPath"/>.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>PEM file of this client's private key (PKCS#8 or traditional).</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>Optional user name (brokers using certificate identity ignore it).</summary>
    public string? Username { get; set; }

    /// <summary>Optional password; only together with <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary>MQTT keep-alive period (1 s to 65535 s).</summary>
    public TimeSpan KeepAlive { get; set; } = MqttTransportConstants.DefaultKeepAlive;

    /// <summary>MQTT 5 session expiry; greater than zero so QoS 1 messages are redelivered after a reconnect.</summary>
    public TimeSpan SessionExpiry { get; set; } = MqttTransportConstants.DefaultSessionExpiry;

    /// <summary>Timeout of one MQTT operation (connect, subscribe, PUBACK wait).</summary>
    public TimeSpan OperationTimeout { get; set; } = MqttTransportConstants.DefaultOperationTimeout;

    /// <summary>First reconnect delay (exponential backoff with jitter).</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = MqttTransportConstants.DefaultReconnectBaseDelay;

    /// <summary>Largest reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = MqttTransportConstants.DefaultReconnectMaxDelay;

    /// <summary>Share of failed connect attempts in the sampling window that opens the circuit (0, 1].</summary>
    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = MqttTransportConstants.DefaultCircuitBreakerFailureRatio;

    /// <summary>Connect attempts in the sampling window before the circuit may open (at least 2).</summary>
    [Range(2, int.MaxValue)]
    public int CircuitBreakerMinimumThroughput { get; set; } = MqttTransportConstants.DefaultCircuitBreakerMinimumThroughput;

    /// <summary>Sampling window of the circuit breaker (at least 0.5 s, a Polly bound).</summary>
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = MqttTransportConstants.DefaultCircuitBreakerSamplingDuration;

    /// <summary>How long an open circuit rejects connect attempts (at least 0.5 s, a Polly bound).</summary>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = MqttTransportConstants.DefaultCircuitBreakerBreakDuration;

    /// <summary>Capacity of the inbound channel, also announced to the broker as Receive Maximum (1 to 65535).</summary>
    [Range(1, 65535)]
    public int MaxInboundQueueLength { get; set; } = MqttTransportConstants.DefaultMaxInboundQueueLength;

    /// <summary>Largest MQTT packet this client accepts (announced to the broker as Maximum Packet Size).</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaximumPacketBytes { get; set; } = MqttTransportConstants.DefaultMaximumPacketBytes;

    /// <summary>Topic of the retained last-will message (the device's status topic), or null for none.</summary>
    public string? LastWillTopic { get; set; }

    /// <summary>Payload of the retained last-will message (e.g. an "offline" status).</summary>
    public ReadOnlyMemory<byte> LastWillPayload { get; set; }

    /// <summary>Throws <see cref="ValidationException"/> naming every invalid setting in one message.</summary>
    public void Validate()
    {
        // The generated validator runs the attribute checks and then the cross-field checks of IValidatableObject,
        // so one message reports everything.
        ValidateOptionsResult result = new MqttTransportOptionsValidator().Validate(null, this);
        if (result.Failed)
        {
            throw new ValidationException("Invalid MQTT transport options: " + string.Join(" ", result.Failures));
        }
    }

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!InRange(KeepAlive, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(ushort.MaxValue)))
        {
            yield return Error(nameof(KeepAlive), "must be between 1 s and 65535 s");
        }

        if (!InRange(SessionExpiry, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(uint.MaxValue - 1)))
        {
            yield return Error(nameof(SessionExpiry), "must be at least 1 s, otherwise the broker forgets queued QoS 1 messages at disconnect");
        }

        if (OperationTimeout <= TimeSpan.Zero)
        {
            yield return Error(nameof(OperationTimeout), "must be positive");
        }

        if (ReconnectBaseDelay <= TimeSpan.Zero)
        {
            yield return Error(nameof(ReconnectBaseDelay), "must be positive");
        }

        if (ReconnectMaxDelay < ReconnectBaseDelay)
        {
            yield return Error(nameof(ReconnectMaxDelay), "must not be smaller than ReconnectBaseDelay");
        }

        if (CircuitBreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            yield return Error(nameof(CircuitBreakerSamplingDuration), "must be at least 0.5 s");
        }

        if (CircuitBreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            yield return Error(nameof(CircuitBreakerBreakDuration), "must be at least 0.5 s");
        }

        if (UseTls)
        {
            if (string.IsNullOrEmpty(CaCertificatePath))
            {
                yield return Error(nameof(CaCertificatePath), "is required when UseTls is on");
            }
            else if (!File.Exists(CaCertificatePath))
            {
                yield return Error(nameof(CaCertificatePath), $"file '{CaCertificatePath}' does not exist");
            }

            if (string.IsNullOrEmpty(ClientCertificatePath) != string.IsNullOrEmpty(ClientKeyPath))
            {
                yield return Error(nameof(ClientCertificatePath), "ClientCertificatePath and ClientKeyPath must be given together");
            }

            foreach (var (name, path) in new[] { (nameof(ClientCertificatePath), ClientCertificatePath), (nameof(ClientKeyPath), ClientKeyPath) })
            {
                if (!string.IsNullOrEmpty(path) && !File.Exists(path))
                {
                    yield return Error(name, $"file '{path}' does not exist");
                }
            }
        }
        else if (CaCertificatePath is not null || ClientCertificatePath is not null || ClientKeyPath is not null)
        {
            yield return Error(nameof(UseTls), "certificate paths are set but UseTls is off");
        }

        if (Password is not null && Username is null)
        {
            yield return Error(nameof(Password), "needs a Username");
        }

        if (LastWillTopic is not null && (LastWillTopic.Length == 0 || LastWillTopic.AsSpan().IndexOfAny('+', '#') >= 0))
        {
            yield return Error(nameof(LastWillTopic), "must be a non-empty topic name without wildcards");
        }

        if (LastWillTopic is null && !LastWillPayload.IsEmpty)
        {
            yield return Error(nameof(LastWillPayload), "is set but LastWillTopic is not");
        }
    }

    private static bool InRange(TimeSpan value, TimeSpan min, TimeSpan max) => value >= min && value <= max;

    private static ValidationResult Error(string member, string message) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{member} {message}."), [member]);
}
