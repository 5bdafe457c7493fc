using System.ComponentModel.DataAnnotations;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Core.Codecs;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FedEdge.Device.Configuration;

/// <summary>
/// Everything the device agent needs, bound from the "Agent" section of appsettings.json,
/// /etc/fededge/agent.json, FEDEDGE_ environment variables and the command line.
/// </summary>
public sealed class AgentOptions : IValidatableObject
{
    /// <summary>Broker identities that are not devices (deploy/mosquitto/acl grants them other rights).</summary>
    public static readonly IReadOnlySet<string> ReservedIdentities = new HashSet<string>(["aggregator", "homeassistant"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The device id: the broker identity (client certificate CN), the topics' device level and the Home Assistant node id,
    /// so it follows the wire rule (<see cref="WireIdentifier"/>: 1 to 64 of <c>[A-Za-z0-9_-]</c>) like deploy/pki does.
    /// </summary>
    [Required]
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>The fleet (a topic level: the wire rule too).</summary>
    [Required]
    public string Fleet { get; set; } = "home";

    /// <summary>The board's memory class (e.g. "pi-zero-2w", "pi4"); picks the FTTE subset. A wire identifier.</summary>
    [Required]
    public string MemoryClass { get; set; } = "pi4";

    /// <summary>Memory the device offers for training, reported in its status. Default 256 KiB.</summary>
    [Range(1024, long.MaxValue)]
    public long MemoryBudgetBytes { get; set; } = 256 * 1024;

    /// <summary>Ledger, outbox, accepted model and artifacts live here (systemd StateDirectory).</summary>
    [Required]
    public string StateDirectory { get; set; } = "/var/lib/fededge-agent";

    /// <summary>PEM file of the pinned model-signing public key (ECDSA P-256); deploy/pki/enroll-device.sh installs it here.</summary>
    [Required]
    public string ModelSigningPublicKeyPath { get; set; } = "/etc/fededge/model-signing.pub.pem";

    /// <summary>The broker connection (TLS client certificate with CN = device id).</summary>
    [Required]
    [ValidateObjectMembers]
    public MqttTransportOptions Mqtt { get; set; } = new();

    /// <summary>Privacy budget and user-level DP.</summary>
    [Required]
    [ValidateObjectMembers]
    public PrivacyOptions Privacy { get; set; } = new();

    /// <summary>Local training.</summary>
    [Required]
    [ValidateObjectMembers]
    public LocalTrainingOptions Training { get; set; } = new();

    /// <summary>Update codec: DenseFloat32, Float16, Int8Stochastic, TopKSparse or PackedStochastic. Default Float16.</summary>
    public UpdateEncoding Codec { get; set; } = UpdateEncoding.Float16;

    /// <summary>Bits per coordinate of the PackedStochastic codec, 2 to 4. Default 3 (about 1/10 of dense float32).</summary>
    [Range(PackedStochasticCodec.MinBits, PackedStochasticCodec.MaxBits)]
    public int PackedBits { get; set; } = 3;

    /// <summary>Fraction of coordinates TopKSparse keeps. Default 0.1.</summary>
    [Range(1e-6, 1.0)]
    public double TopKFraction { get; set; } = 0.1;

    /// <summary>When the device may train.</summary>
    [Required]
    public EligibilityOptions Eligibility { get; set; } = new();

    /// <summary>Where the power state comes from: sysfs (default), mains, an INA219 or a GPIO pin.</summary>
    [Required]
    [ValidateObjectMembers]
    public PowerOptions Power { get; set; } = new();

    /// <summary>Train on the seeded smart-home simulator (seeded by the device id) instead of the sample store.</summary>
    public bool SimulatedSensors { get; set; }

    /// <summary>Local prediction and Home Assistant discovery.</summary>
    [Required]
    [ValidateObjectMembers]
    public PredictionOptions Prediction { get; set; } = new();

    /// <summary>Sensor sampling on a real device (ignored with <see cref="SimulatedSensors"/>).</summary>
    [Required]
    [ValidateObjectMembers]
    public SamplingOptions Sampling { get; set; } = new();

    /// <summary>On-device personalization (default off).</summary>
    [Required]
    [ValidateObjectMembers]
    public AgentPersonalizationOptions Personalization { get; set; } = new();

    /// <summary>How often eligibility is checked. Default 30 s.</summary>
    [TimeSpanRange("00:00:00.010", "01:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the retained status is refreshed. Default 5 min.</summary>
    [TimeSpanRange("00:00:00.010", "1.00:00:00")]
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Binds the "Agent" section the way the service does: through the configuration-binding source generator, which
    /// intercepts this call (trim-safe), then <see cref="ApplyDefaults"/>. Program.cs, <c>--check-config</c>, the
    /// self-test and the tests all bind through here.
    /// </summary>
    public static AgentOptions Bind(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new AgentOptions();
        section.Bind(options);
        ApplyDefaults(options);
        return options;
    }

    /// <summary>Fills defaults that derive from other keys: the MQTT client id is the device id unless set.</summary>
    public static void ApplyDefaults(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mqtt is not null && string.IsNullOrEmpty(options.Mqtt.ClientId))
        {
            options.Mqtt.ClientId = options.DeviceId;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(DeviceId), DeviceId), (nameof(Fleet), Fleet), (nameof(MemoryClass), MemoryClass) })
        {
            // empty is the [Required] message's
            if (!string.IsNullOrEmpty(value) && WireIdentifier.Check(value, "Agent:" + name) is string wrong)
            {
                yield return new ValidationResult(wrong + " (allowed: 1 to 64 letters, digits, '_' and '-'; the same rule as deploy/pki and the wire).", [name]);
            }
        }

        if (ReservedIdentities.Contains(DeviceId))
        {
            yield return new ValidationResult($"Agent:DeviceId \"{DeviceId}\" is reserved for the {DeviceId} service's certificate.", [nameof(DeviceId)]);
        }

        string? problem = null;
        try
        {
            Eligibility?.Validate();
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult($"Agent:{nameof(Eligibility)}: {problem}", [nameof(Eligibility)]);
        }

        string? samplingProblem = null;
        try
        {
            Sampling?.Validate();
        }
        catch (ArgumentException ex)
        {
            samplingProblem = ex.Message;
        }

        if (samplingProblem is not null)
        {
            yield return new ValidationResult($"Agent:{nameof(Sampling)}: {samplingProblem}", [nameof(Sampling)]);
        }

        if (Codec is UpdateEncoding.None or UpdateEncoding.SparseSubset || !Enum.IsDefined(Codec))
        {
            yield return new ValidationResult($"Agent:{nameof(Codec)} must be DenseFloat32, Float16, Int8Stochastic, TopKSparse or PackedStochastic (was {Codec}).", [nameof(Codec)]);
        }
        else if (Privacy?.Mode == ContributionPrivacy.Distributed && Codec != UpdateEncoding.Float16)
        {
            // the update is encoded by secure aggregation (distributed discrete Gaussian mod 2^b), never by the codec
            yield return new ValidationResult(
                $"{Codec} does not apply with Agent:Privacy:Mode = Distributed: the update travels masked and encoded by secure aggregation; remove it.",
                [nameof(Codec)]);
        }

        string? personalizationProblem = null;
        try
        {
            Personalization?.ToPersonalizationOptions(StateDirectory ?? string.Empty, Training?.Threads ?? 1).Validate();
        }
        catch (ArgumentException ex)
        {
            personalizationProblem = ex.Message;
        }

        if (personalizationProblem is not null)
        {
            yield return new ValidationResult($"Agent:{nameof(Personalization)}: {personalizationProblem}", [nameof(Personalization)]);
        }

        if (Training is not null && Training.MaxSamples < Training.MinSamples)
        {
            yield return new ValidationResult("Agent:Training:MaxSamples must not be smaller than MinSamples.", ["Training"]);
        }
    }
}
