using FedEdge.Core.Aggregation;
using System.Globalization;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;

namespace FedEdge.Aggregation.Validation;

/// <summary>
/// Validates one received update against the aggregator's state, cheapest checks first and
/// without trusting any length or count in the payload: size, parse, fleet, identity (topic device
/// = payload device; the broker's ACL ties the topic to the client certificate), duplicate id,
/// declared DP (when the fleet requires it), sample count, subset, decode into the layout, finiteness, norm and
/// per-device rate. Not thread-safe (the rate window is per instance).
/// </summary>
public sealed class UpdateValidator
{
    private readonly WireParser _parser;
    private readonly UpdateValidationOptions _options;
    private readonly UpdateCodecs _codecs;
    private readonly double _maxUpdateNorm;
    private readonly bool _requireDp;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _recent = new(StringComparer.Ordinal);

    /// <summary>Creates a validator with the wire limits of <paramref name="parser"/>.</summary>
    /// <param name="parser">The wire parser (its limits bound the payload).</param>
    /// <param name="options">The configured bounds.</param>
    /// <param name="maxUpdateNorm">The refusal limit in force (the engine derives it from the fleet's DP settings); null = the configured <see cref="UpdateValidationOptions.MaxUpdateNorm"/> or its fallback.</param>
    /// <param name="requireDp">Whether updates that declare no DP are refused (<see cref="RejectionReason.NoDifferentialPrivacy"/>).</param>
    public UpdateValidator(WireParser parser, UpdateValidationOptions options, double? maxUpdateNorm = null, bool requireDp = false)
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(options);
        _parser = parser;
        _options = options;
        _maxUpdateNorm = maxUpdateNorm ?? options.MaxUpdateNorm ?? UpdateValidationOptions.FallbackMaxUpdateNorm;
        _requireDp = requireDp;

        _codecs = UpdateCodecs.ForDecoding();
    }

    /// <summary>Validates the update received on <paramref name="topic"/> with payload <paramref name="payload"/> at <paramref name="now"/>.</summary>
    public IntakeVerdict Validate(string topic, ReadOnlySpan<byte> payload, UpdateValidationContext context, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (payload.Length > _parser.Limits.MaxModelUpdateBytes)
        {
            return IntakeVerdict.Reject(RejectionReason.Oversized, $"{payload.Length} bytes exceed the limit of {_parser.Limits.MaxModelUpdateBytes}");
        }

        var parsed = _parser.ParseModelUpdate(payload);
        if (!parsed.TryGet(out var update, out string reason))
        {
            return IntakeVerdict.Reject(parsed.Error switch
            {
                WireError.TooLarge => RejectionReason.Oversized,
                WireError.UnsupportedVersion or WireError.MissingVersion => RejectionReason.UnsupportedVersion,
                _ => RejectionReason.Malformed,
            }, reason);
        }

        if (!TopicScheme.TryParse(topic, out var address, out _) || address.Kind != TopicKind.Updates)
        {
            return IntakeVerdict.Reject(RejectionReason.Malformed, $"'{topic}' is not an update topic", update);
        }

        if (!string.Equals(update.Fleet, context.Fleet, StringComparison.Ordinal) || !string.Equals(address.Fleet, context.Fleet, StringComparison.Ordinal))
        {
            return IntakeVerdict.Reject(RejectionReason.WrongFleet, $"update for fleet '{update.Fleet}' on topic of fleet '{address.Fleet}', this is '{context.Fleet}'", update);
        }

        if (!string.Equals(update.DeviceId, address.Device, StringComparison.Ordinal))
        {
            return IntakeVerdict.Reject(RejectionReason.IdentityMismatch, $"payload device '{update.DeviceId}' published on the topic of '{address.Device}'", update);
        }

        byte[] id = update.UpdateId.ToByteArray();
        if (context.IsSeen(id))
        {
            return IntakeVerdict.Duplicate(update);
        }

        // every update past identity and duplicate counts against the rate, refused or not: a device that floods with
        // invalid updates is cut off at the cheapest check
        if (context.TryCountUpdate is { } count && !count(update.DeviceId))
        {
            return IntakeVerdict.Reject(RejectionReason.RateLimited, $"more than {_options.MaxUpdatesPerDevicePerHour} updates in the hour", update);
        }

        if (_requireDp && update.Dp.Mechanism == DpMechanism.None)
        {
            return IntakeVerdict.Reject(RejectionReason.NoDifferentialPrivacy, "the fleet requires differential privacy and the update declares none", update);
        }

        if (update.SampleCount == 0 || update.SampleCount > (ulong)_options.MaxSampleCount)
        {
            return IntakeVerdict.Reject(RejectionReason.BadSampleCount, $"sample count {update.SampleCount} is outside 1..{_options.MaxSampleCount}", update);
        }

        ParameterSubset? assigned = null;
        if (!update.SubsetId.IsEmpty)
        {
            string key = Convert.ToHexStringLower(update.SubsetId.Span);
            if (!context.Subsets.TryGetValue(key, out assigned))
            {
                long staleness = context.CurrentVersion - (long)Math.Min(update.BaseModelVersion, long.MaxValue);
                return context.MaxStaleness is long limit && staleness > limit
                    ? IntakeVerdict.Reject(
                        RejectionReason.TooStale,
                        string.Create(CultureInfo.InvariantCulture, $"Staleness {staleness} (version {context.CurrentVersion} − base {update.BaseModelVersion}) exceeds the limit {limit}; its subset {key[..Math.Min(12, key.Length)]}… is no longer remembered either"),
                        update)
                    : IntakeVerdict.Reject(RejectionReason.UnknownSubset, $"subset {key[..Math.Min(12, key.Length)]}… was not assigned", update);
            }
        }

        float[] delta = new float[context.Layout.TotalLength];
        var decoded = Decode(update, context.Layout, assigned, delta);
        if (!decoded.Succeeded)
        {
            return IntakeVerdict.Reject(
                decoded.Error == CodecError.NonFiniteValue ? RejectionReason.NonFinite : RejectionReason.WrongShape,
                decoded.Message,
                update);
        }

        double norm = System.Numerics.Tensors.TensorPrimitives.Norm(delta);
        if (!double.IsFinite(norm))
        {
            return IntakeVerdict.Reject(RejectionReason.NonFinite, "the update's norm is not finite", update);
        }

        if (norm > _maxUpdateNorm)
        {
            return IntakeVerdict.Reject(RejectionReason.NormTooLarge, string.Create(CultureInfo.InvariantCulture, $"norm {norm:G4} exceeds {_maxUpdateNorm:G4}"), update);
        }

        if (context.TryCountUpdate is null && !AllowRate(update.DeviceId, now))
        {
            return IntakeVerdict.Reject(RejectionReason.RateLimited, $"more than {_options.MaxUpdatesPerDevicePerHour} updates in the last hour", update);
        }

        return IntakeVerdict.Accept(update, delta);
    }

    /// <summary>
    /// Decodes an update's payload into the full layout (zeros outside <paramref name="subset"/>), without
    /// any of the state-dependent checks: also how the engine rebuilds its buffer after a restart.
    /// </summary>
    internal DecodeResult Decode(ModelUpdate update, ParameterLayout layout, ParameterSubset? subset, float[] destination)
    {
        ArgumentNullException.ThrowIfNull(update);
        var codecs = subset is null ? _codecs : _codecs.With(new SparseSubsetCodec(subset));
        return codecs.TryDecode(update.Payload.Span, layout, destination);
    }

    private bool AllowRate(string device, DateTimeOffset now)
    {
        if (!_recent.TryGetValue(device, out var times))
        {
            times = new Queue<DateTimeOffset>();
            _recent[device] = times;
        }

        while (times.Count > 0 && now - times.Peek() >= TimeSpan.FromHours(1))
        {
            times.Dequeue();
        }

        if (times.Count >= _options.MaxUpdatesPerDevicePerHour)
        {
            return false;
        }

        times.Enqueue(now);
        return true;
    }
}
