using System.Globalization;
using Google.Protobuf.Reflection;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// A schema-aware walk over a serialized message that checks well-formedness and the structural
/// limits of <see cref="WireLimits"/> WITHOUT allocating, before protobuf's parser materialises
/// anything. It reads the protocol major version (field 1) on the way, so a message of another
/// major version is reported as such even when its body does not parse under this schema.
/// </summary>
/// <remarks>
/// Why a pre-scan: protobuf parsing allocates in proportion to what the bytes claim, not to their
/// size — every unknown field becomes an object, every repeated element a slot, every duplicate of a
/// singular message field a merge. Counting tags, unknown fields, packed elements and nesting here
/// bounds all of those (STYLE.md rule 8). The walk follows the protobuf encoding spec
/// (protobuf.dev/programming-guides/encoding): tag = field number &lt;&lt; 3 | wire type;
/// wire types 0 varint, 1 fixed64, 2 length-delimited, 3/4 start/end group, 5 fixed32.
/// A field whose wire type does not match its declaration is, as in protobuf's generated code, an
/// unknown field.
/// </remarks>
internal static class WireStructure
{
    private const int Varint = 0;
    private const int Fixed64 = 1;
    private const int LengthDelimited = 2;
    private const int StartGroup = 3;
    private const int EndGroup = 4;
    private const int Fixed32 = 5;
    private const int MaxVarintBytes = 10;
    private const int MaxTagBytes = 5;

    /// <summary>Walks <paramref name="data"/> as a <paramref name="descriptor"/> message.</summary>
    /// <returns>True when well-formed and within limits; otherwise <paramref name="error"/> and <paramref name="reason"/> say why.</returns>
    public static bool TryCheck(
        ReadOnlySpan<byte> data,
        MessageDescriptor descriptor,
        WireLimits limits,
        out ulong? protocolMajor,
        out WireError error,
        out string reason)
    {
        var state = new ScanState(limits);
        bool ok = ScanMessage(data, descriptor, depth: 1, topLevel: true, ref state);
        protocolMajor = state.ProtocolMajor;
        error = ok ? WireError.None : state.Error;
        reason = ok ? "ok" : state.Reason!;
        return ok;
    }

    private static bool ScanMessage(ReadOnlySpan<byte> data, MessageDescriptor descriptor, int depth, bool topLevel, ref ScanState state)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            int tagAt = pos;
            if (!TryReadTag(data, ref pos, out int field, out int wireType, ref state))
            {
                return false;
            }

            if (wireType == EndGroup)
            {
                return state.Malformed($"unexpected end-group tag for field {field} at byte {tagAt} of {descriptor.Name}");
            }

            FieldDescriptor? known = descriptor.FindFieldByNumber(field);
            if (known is null || !Matches(known, wireType))
            {
                if (!state.CountUnknown(field, descriptor.Name) || !SkipUnknown(data, ref pos, field, wireType, depth, ref state))
                {
                    return false;
                }

                continue;
            }

            switch (wireType)
            {
                case Varint:
                    if (!TryReadVarint(data, ref pos, out ulong value))
                    {
                        return state.Malformed($"truncated or overlong varint in field {field} at byte {tagAt} of {descriptor.Name}");
                    }

                    if (topLevel && field == 1)
                    {
                        state.ProtocolMajor = value;
                    }

                    break;
                case Fixed64:
                case Fixed32:
                    if (!Skip(data, ref pos, wireType == Fixed64 ? 8 : 4))
                    {
                        return state.Malformed($"truncated fixed-width field {field} at byte {tagAt} of {descriptor.Name}");
                    }

                    break;
                default:
                    if (!TryReadLength(data, ref pos, out int length))
                    {
                        return state.Malformed($"length of field {field} at byte {tagAt} of {descriptor.Name} runs past the end of the message");
                    }

                    var body = data.Slice(pos, length);
                    pos += length;
                    if (known.FieldType == FieldType.Message)
                    {
                        if (depth + 1 > state.Limits.MaxDepth)
                        {
                            return state.TooComplex($"nesting deeper than {state.Limits.MaxDepth} levels");
                        }

                        if (!ScanMessage(body, known.MessageType, depth + 1, topLevel: false, ref state))
                        {
                            return false;
                        }
                    }
                    else if (known.IsRepeated && !IsLengthDelimitedType(known.FieldType) && !CountPacked(body, known, ref state))
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;
    }

    private static bool SkipUnknown(ReadOnlySpan<byte> data, ref int pos, int field, int wireType, int depth, ref ScanState state)
    {
        switch (wireType)
        {
            case Varint:
                return TryReadVarint(data, ref pos, out _) || state.Malformed($"truncated varint in unknown field {field}");
            case Fixed64:
                return Skip(data, ref pos, 8) || state.Malformed($"truncated fixed64 in unknown field {field}");
            case Fixed32:
                return Skip(data, ref pos, 4) || state.Malformed($"truncated fixed32 in unknown field {field}");
            case LengthDelimited:
                if (!TryReadLength(data, ref pos, out int length))
                {
                    return state.Malformed($"length of unknown field {field} runs past the end of the message");
                }

                pos += length;
                return true;
            default:
                return SkipGroup(data, ref pos, field, depth + 1, ref state);
        }
    }

    private static bool SkipGroup(ReadOnlySpan<byte> data, ref int pos, int groupField, int depth, ref ScanState state)
    {
        if (depth > state.Limits.MaxDepth)
        {
            return state.TooComplex($"groups nested deeper than {state.Limits.MaxDepth} levels");
        }

        while (pos < data.Length)
        {
            if (!TryReadTag(data, ref pos, out int field, out int wireType, ref state))
            {
                return false;
            }

            if (wireType == EndGroup)
            {
                return field == groupField
                    || state.Malformed($"group {groupField} closed by the end-group tag of field {field}");
            }

            if (!state.CountUnknown(field, "a group") || !SkipUnknown(data, ref pos, field, wireType, depth, ref state))
            {
                return false;
            }
        }

        return state.Malformed($"group {groupField} is not terminated");
    }

    private static bool CountPacked(ReadOnlySpan<byte> body, FieldDescriptor field, ref ScanState state)
    {
        long count;
        switch (field.FieldType)
        {
            case FieldType.Double:
            case FieldType.Fixed64:
            case FieldType.SFixed64:
                if (body.Length % 8 != 0)
                {
                    return state.Malformed($"packed field {field.Name} is {body.Length} bytes, not a multiple of 8");
                }

                count = body.Length / 8;
                break;
            case FieldType.Float:
            case FieldType.Fixed32:
            case FieldType.SFixed32:
                if (body.Length % 4 != 0)
                {
                    return state.Malformed($"packed field {field.Name} is {body.Length} bytes, not a multiple of 4");
                }

                count = body.Length / 4;
                break;
            default:
                if (!body.IsEmpty && body[^1] >= 0x80)
                {
                    return state.Malformed($"packed field {field.Name} ends inside a varint");
                }

                count = CountVarintTerminators(body);
                break;
        }

        state.Packed += count;
        return state.Packed <= state.Limits.MaxPackedElements
            || state.TooComplex($"more than {state.Limits.MaxPackedElements} packed repeated elements");
    }

    private static long CountVarintTerminators(ReadOnlySpan<byte> body)
    {
        // Every varint ends with the one byte whose high bit is clear.
        long terminators = 0;
        foreach (byte b in body)
        {
            terminators += b >> 7 ^ 1;
        }

        return terminators;
    }

    private static bool Matches(FieldDescriptor field, int wireType)
    {
        int declared = WireTypeOf(field.FieldType);
        return wireType == declared || (wireType == LengthDelimited && field.IsRepeated && declared != LengthDelimited);
    }

    private static bool IsLengthDelimitedType(FieldType type) =>
        type is FieldType.Message or FieldType.String or FieldType.Bytes or FieldType.Group;

    private static int WireTypeOf(FieldType type) => type switch
    {
        FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => Fixed64,
        FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => Fixed32,
        FieldType.Message or FieldType.String or FieldType.Bytes => LengthDelimited,
        FieldType.Group => StartGroup,
        _ => Varint,
    };

    private static bool TryReadTag(ReadOnlySpan<byte> data, ref int pos, out int field, out int wireType, ref ScanState state)
    {
        int at = pos;
        field = 0;
        wireType = 0;
        ulong tag = 0;
        for (int i = 0; ; i++)
        {
            if (i == MaxTagBytes || pos >= data.Length)
            {
                return state.Malformed($"truncated or overlong tag at byte {at}");
            }

            byte b = data[pos++];
            tag |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                break;
            }
        }

        if (tag > uint.MaxValue)
        {
            return state.Malformed($"tag at byte {at} exceeds 32 bits");
        }

        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field == 0)
        {
            return state.Malformed($"field number 0 at byte {at}");
        }

        if (wireType > Fixed32)
        {
            return state.Malformed(string.Create(CultureInfo.InvariantCulture, $"invalid wire type {wireType} at byte {at}"));
        }

        return state.CountTag();
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        value = 0;
        for (int i = 0; i < MaxVarintBytes && pos < data.Length; i++)
        {
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadLength(ReadOnlySpan<byte> data, ref int pos, out int length)
    {
        length = 0;
        if (!TryReadVarint(data, ref pos, out ulong raw) || raw > (ulong)(data.Length - pos))
        {
            return false;
        }

        length = (int)raw;
        return true;
    }

    private static bool Skip(ReadOnlySpan<byte> data, ref int pos, int count)
    {
        if (data.Length - pos < count)
        {
            return false;
        }

        pos += count;
        return true;
    }

    /// <summary>Counters and the first failure of one walk; a mutable struct passed by reference, never shared.</summary>
    private struct ScanState(WireLimits limits)
    {
        public readonly WireLimits Limits = limits;
        public int Tags;
        public int Unknown;
        public long Packed;
        public ulong? ProtocolMajor;
        public WireError Error;
        public string? Reason;

        public bool CountTag() =>
            ++Tags <= Limits.MaxTags || TooComplex($"more than {Limits.MaxTags} field tags");

        public bool CountUnknown(int field, string where) =>
            ++Unknown <= Limits.MaxUnknownFields
            || TooComplex($"more than {Limits.MaxUnknownFields} unknown fields (the last was field {field} in {where})");

        public bool Malformed(string reason) => Fail(WireError.Malformed, "malformed protobuf: " + reason);

        public bool TooComplex(string reason) => Fail(WireError.TooComplex, "message too complex: " + reason);

        private bool Fail(WireError error, string reason)
        {
            Error = error;
            Reason = reason;
            return false;
        }
    }
}
