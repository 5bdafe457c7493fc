using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// The entry points for every wire message received from outside. Each treats the bytes as hostile
/// and never throws on them: it returns a <see cref="ParseResult{T}"/> that is either a validated
/// message or a rejection with a reason. Thread-safe; holds only its immutable limits.
/// </summary>
/// <remarks>
/// Order of checks, cheapest and most protective first:
/// (1) the buffer length against the per-message limit — nothing is read or allocated for an
/// oversized buffer; (2) a non-allocating structural walk (<see cref="WireStructure"/>) that
/// checks well-formedness, nesting, tag/unknown-field/packed-element counts and reads the
/// protocol major version; (3) the major version; (4) protobuf's parser, with its size and
/// recursion limits set; (5) the semantic rules (<see cref="MessageRules"/>).
/// Unknown fields within the limits are kept (proto3 semantics), so a newer minor version passes
/// through an older relay unchanged.
/// </remarks>
public sealed class WireParser
{
    private readonly WireLimits _secAggStructure;

    /// <summary>Creates a parser with <paramref name="limits"/> (the defaults when null).</summary>
    /// <exception cref="ArgumentException">A limit is not positive.</exception>
    public WireParser(WireLimits? limits = null)
    {
        limits ??= WireLimits.Default;
        limits.Validate();
        Limits = limits;
        _secAggStructure = limits with { MaxTags = limits.MaxSecAggTags };
    }

    /// <summary>The limits every message is checked against.</summary>
    public WireLimits Limits { get; }

    /// <summary>Parses and validates a <see cref="ModelUpdate"/>.</summary>
    public ParseResult<ModelUpdate> ParseModelUpdate(ReadOnlySpan<byte> data) =>
        Parse(data, Limits.MaxModelUpdateBytes, ModelUpdate.Descriptor, new ModelUpdate(), static (m, l) => MessageRules.Check(m, l));

    /// <summary>Parses and validates a <see cref="GlobalModel"/> (the signature is checked separately by the model verifier).</summary>
    public ParseResult<GlobalModel> ParseGlobalModel(ReadOnlySpan<byte> data) =>
        Parse(data, Limits.MaxGlobalModelBytes, GlobalModel.Descriptor, new GlobalModel(), static (m, l) => MessageRules.Check(m, l));

    /// <summary>Parses and validates a <see cref="DeviceStatus"/>.</summary>
    public ParseResult<DeviceStatus> ParseDeviceStatus(ReadOnlySpan<byte> data) =>
        Parse(data, Limits.MaxDeviceStatusBytes, DeviceStatus.Descriptor, new DeviceStatus(), static (m, l) => MessageRules.Check(m, l));

    /// <summary>Parses and validates a <see cref="Pace"/>.</summary>
    public ParseResult<Pace> ParsePace(ReadOnlySpan<byte> data) =>
        Parse(data, Limits.MaxPaceBytes, Pace.Descriptor, new Pace(), static (m, l) => MessageRules.Check(m, l));

    /// <summary>Parses and validates a <see cref="SecAggDeviceMessage"/> (device → aggregator); the state machine checks it against its group.</summary>
    public ParseResult<SecAggDeviceMessage> ParseSecAggDeviceMessage(ReadOnlySpan<byte> data) =>
        Parse(data, Limits.MaxSecAggDeviceMessageBytes, SecAggDeviceMessage.Descriptor, new SecAggDeviceMessage(), static (m, l) => MessageRules.Check(m, l), _secAggStructure);

    /// <summary>Parses and validates a <see cref="SecAggServerMessage"/> (aggregator → device).</summary>
    public ParseResult<SecAggServerMessage> ParseSecAggServerMessage(ReadOnlySpan<byte> data) =>
        Parse(data, Limits.MaxSecAggServerMessageBytes, SecAggServerMessage.Descriptor, new SecAggServerMessage(), static (m, l) => MessageRules.Check(m, l), _secAggStructure);

    /// <summary>Try-pattern form of <see cref="ParseModelUpdate"/>.</summary>
    public bool TryParseModelUpdate(ReadOnlySpan<byte> data, out ModelUpdate? message, out string reason) =>
        ParseModelUpdate(data).TryGet(out message, out reason);

    /// <summary>Try-pattern form of <see cref="ParseGlobalModel"/>.</summary>
    public bool TryParseGlobalModel(ReadOnlySpan<byte> data, out GlobalModel? message, out string reason) =>
        ParseGlobalModel(data).TryGet(out message, out reason);

    /// <summary>Try-pattern form of <see cref="ParseDeviceStatus"/>.</summary>
    public bool TryParseDeviceStatus(ReadOnlySpan<byte> data, out DeviceStatus? message, out string reason) =>
        ParseDeviceStatus(data).TryGet(out message, out reason);

    /// <summary>Try-pattern form of <see cref="ParsePace"/>.</summary>
    public bool TryParsePace(ReadOnlySpan<byte> data, out Pace? message, out string reason) =>
        ParsePace(data).TryGet(out message, out reason);

    private ParseResult<T> Parse<T>(
        ReadOnlySpan<byte> data, int maxBytes, MessageDescriptor descriptor, T message, Func<T, WireLimits, string?> rules, WireLimits? structure = null)
        where T : class, IMessage<T>
    {
        if (data.Length > maxBytes)
        {
            return new ParseResult<T>(
                WireError.TooLarge,
                string.Create(CultureInfo.InvariantCulture, $"{descriptor.Name} of {data.Length} bytes exceeds the limit of {maxBytes} bytes"));
        }

        bool wellFormed = WireStructure.TryCheck(data, descriptor, structure ?? Limits, out ulong? major, out WireError error, out string reason);
        if (major is { } seen && seen != ProtocolVersion.Major)
        {
            return new ParseResult<T>(
                WireError.UnsupportedVersion,
                string.Create(CultureInfo.InvariantCulture, $"protocol major version {seen} is not supported (this build speaks {ProtocolVersion.Major})"));
        }

        if (!wellFormed)
        {
            return new ParseResult<T>(error, $"{descriptor.Name}: {reason}");
        }

        if (major is null)
        {
            return new ParseResult<T>(WireError.MissingVersion, $"{descriptor.Name} carries no protocol major version (field 1)");
        }

        string? failure = MergeFrom(message, data, Limits.MaxDepth);
        if (failure is not null)
        {
            return new ParseResult<T>(WireError.Malformed, $"{descriptor.Name}: malformed protobuf: {failure}");
        }

        failure = rules(message, Limits);
        return failure is null ? new ParseResult<T>(message) : new ParseResult<T>(WireError.InvalidField, $"{descriptor.Name}: {failure}");
    }

    private static unsafe string? MergeFrom<T>(T message, ReadOnlySpan<byte> data, int recursionLimit)
        where T : class, IMessage<T>
    {
        // A stream over the caller's memory lets CreateWithLimits impose protobuf's own size and
        // recursion limits (the span overloads use the defaults: no size limit, depth 100) without a copy.
        fixed (byte* start = data)
        {
            using var stream = new UnmanagedMemoryStream(start, data.Length);
            using CodedInputStream input = CodedInputStream.CreateWithLimits(stream, data.Length, recursionLimit);
            try
            {
                message.MergeFrom(input);
                return null;
            }
            catch (InvalidProtocolBufferException e)
            {
                return e.Message;
            }
        }
    }
}
