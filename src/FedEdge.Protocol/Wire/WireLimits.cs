using System.Globalization;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// Bounds applied to every received wire message, checked before anything is allocated for it
/// (STYLE.md rule 8). The defaults fit a Raspberry Pi Zero 2 W (512 MiB RAM) receiving a model for
/// a few million parameters; an aggregator for larger models raises the model sizes.
/// </summary>
/// <remarks>
/// The structural limits (<see cref="MaxTags"/>, <see cref="MaxUnknownFields"/>,
/// <see cref="MaxPackedElements"/>, <see cref="MaxDepth"/>) exist because protobuf's encoding
/// amplifies: a 2-byte unknown field becomes a ~100-byte object, a 1-byte packed varint a 4-byte
/// list slot. With them, parsing an accepted buffer allocates at most a small constant times its size.
/// </remarks>
public sealed record WireLimits
{
    /// <summary>Default for <see cref="MaxModelUpdateBytes"/>: 4 MiB (a dense float32 update of ~1M parameters).</summary>
    public const int DefaultMaxModelUpdateBytes = 4 << 20;

    /// <summary>Default for <see cref="MaxGlobalModelBytes"/>: 16 MiB (~4M float32 parameters).</summary>
    public const int DefaultMaxGlobalModelBytes = 16 << 20;

    /// <summary>Default for <see cref="MaxDeviceStatusBytes"/>: 4 KiB (a status is ~100 bytes).</summary>
    public const int DefaultMaxDeviceStatusBytes = 4 << 10;

    /// <summary>Default for <see cref="MaxPaceBytes"/>: 64 KiB (room for a FedAvg cohort of up to 1024 device ids).</summary>
    public const int DefaultMaxPaceBytes = 64 << 10;

    /// <summary>Default for <see cref="MaxStringLength"/>: 128 characters.</summary>
    public const int DefaultMaxStringLength = 128;

    /// <summary>Default for <see cref="MaxTags"/>: 512 field tags per message, nested messages included.</summary>
    public const int DefaultMaxTags = 512;

    /// <summary>Default for <see cref="MaxUnknownFields"/>: 64.</summary>
    public const int DefaultMaxUnknownFields = 64;

    /// <summary>
    /// Default for <see cref="MaxPackedElements"/>: 1 Mi (all subset indices of a model together). A
    /// packed uint32 list is read into a growing array, up to ~16 bytes allocated per index, so this
    /// caps that transient at ~16 MiB on a device.
    /// </summary>
    public const int DefaultMaxPackedElements = 1 << 20;

    /// <summary>Default for <see cref="MaxDepth"/>: 8 (the schema nests 2 deep; the rest is room for unknown groups).</summary>
    public const int DefaultMaxDepth = 8;

    /// <summary>Default for <see cref="MaxSubsetAssignments"/> and <see cref="MaxCheckInWindows"/>: 16 memory classes.</summary>
    public const int DefaultMaxMemoryClasses = 16;

    /// <summary>Default for <see cref="MaxSignatureBytes"/>: 512.</summary>
    public const int DefaultMaxSignatureBytes = 512;

    /// <summary>Default bound on a FedAvg cohort listed in a Pace message.</summary>
    public const int DefaultMaxCohort = 1024;

    /// <summary>Default for <see cref="MaxSecAggDeviceMessageBytes"/>: 4 MiB (a masked input of 2M 16-bit coordinates).</summary>
    public const int DefaultMaxSecAggDeviceMessageBytes = 4 << 20;

    /// <summary>Default for <see cref="MaxSecAggServerMessageBytes"/>: 512 KiB (a roster of 1024 members is ~210 KiB).</summary>
    public const int DefaultMaxSecAggServerMessageBytes = 512 << 10;

    /// <summary>Default for <see cref="MaxSecAggGroupSize"/>: 1024 members.</summary>
    public const int DefaultMaxSecAggGroupSize = 1024;

    /// <summary>
    /// Default for <see cref="MaxSecAggTags"/>: 16 Ki field tags. A roster carries 4 tags per member and an unmask answer
    /// 4 per share, so a group of 1024 needs ~8 Ki; the general <see cref="MaxTags"/> is for the small messages.
    /// </summary>
    public const int DefaultMaxSecAggTags = 16 << 10;

    /// <summary>Longest <see cref="SecAggAbandoned.Reason"/> (printable ASCII, for logs); fixed by the protocol.</summary>
    public const int MaxAbandonReasonLength = 256;

    /// <summary>The length of <see cref="ModelUpdate.UpdateId"/>; fixed by the protocol, not configurable.</summary>
    public const int UpdateIdBytes = 16;

    /// <summary>The length of a content hash (subset id, architecture hash): SHA-256.</summary>
    public const int HashBytes = 32;

    /// <summary>The limits with every default.</summary>
    public static WireLimits Default { get; } = new();

    /// <summary>Largest accepted serialized <see cref="ModelUpdate"/>.</summary>
    public int MaxModelUpdateBytes { get; init; } = DefaultMaxModelUpdateBytes;

    /// <summary>Largest accepted serialized <see cref="GlobalModel"/>.</summary>
    public int MaxGlobalModelBytes { get; init; } = DefaultMaxGlobalModelBytes;

    /// <summary>Largest accepted serialized <see cref="DeviceStatus"/>.</summary>
    public int MaxDeviceStatusBytes { get; init; } = DefaultMaxDeviceStatusBytes;

    /// <summary>Largest accepted serialized <see cref="Pace"/>.</summary>
    public int MaxPaceBytes { get; init; } = DefaultMaxPaceBytes;

    /// <summary>Largest accepted serialized <see cref="SecAggDeviceMessage"/>.</summary>
    public int MaxSecAggDeviceMessageBytes { get; init; } = DefaultMaxSecAggDeviceMessageBytes;

    /// <summary>Largest accepted serialized <see cref="SecAggServerMessage"/>.</summary>
    public int MaxSecAggServerMessageBytes { get; init; } = DefaultMaxSecAggServerMessageBytes;

    /// <summary>Most members of a secure-aggregation group (and hence most shares or indices in one message).</summary>
    public int MaxSecAggGroupSize { get; init; } = DefaultMaxSecAggGroupSize;

    /// <summary>Most field tags in one secure-aggregation message (replaces <see cref="MaxTags"/> for those).</summary>
    public int MaxSecAggTags { get; init; } = DefaultMaxSecAggTags;

    /// <summary>Longest accepted string field, in UTF-16 characters.</summary>
    public int MaxStringLength { get; init; } = DefaultMaxStringLength;

    /// <summary>Most field tags in one message, nested messages and unpacked repeated elements included.</summary>
    public int MaxTags { get; init; } = DefaultMaxTags;

    /// <summary>Most fields this build does not know (kept and ignored), group contents included.</summary>
    public int MaxUnknownFields { get; init; } = DefaultMaxUnknownFields;

    /// <summary>Most elements in all packed repeated fields of one message together.</summary>
    public int MaxPackedElements { get; init; } = DefaultMaxPackedElements;

    /// <summary>Deepest nesting of messages and groups; also protobuf's recursion limit.</summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    /// <summary>Most subset assignments (memory classes) in a <see cref="GlobalModel"/>.</summary>
    public int MaxSubsetAssignments { get; init; } = DefaultMaxMemoryClasses;

    /// <summary>Most check-in windows (memory classes) in a <see cref="Pace"/>.</summary>
    public int MaxCheckInWindows { get; init; } = DefaultMaxMemoryClasses;

    /// <summary>Most devices a Pace cohort may list.</summary>
    public int MaxCohort { get; init; } = DefaultMaxCohort;

    /// <summary>Longest accepted signature field.</summary>
    public int MaxSignatureBytes { get; init; } = DefaultMaxSignatureBytes;

    /// <summary>Throws when any limit is not positive, naming all of them in one message.</summary>
    /// <exception cref="ArgumentException">One or more limits are zero or negative.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        Check(MaxModelUpdateBytes, nameof(MaxModelUpdateBytes));
        Check(MaxGlobalModelBytes, nameof(MaxGlobalModelBytes));
        Check(MaxDeviceStatusBytes, nameof(MaxDeviceStatusBytes));
        Check(MaxPaceBytes, nameof(MaxPaceBytes));
        Check(MaxStringLength, nameof(MaxStringLength));
        Check(MaxTags, nameof(MaxTags));
        Check(MaxUnknownFields, nameof(MaxUnknownFields));
        Check(MaxPackedElements, nameof(MaxPackedElements));
        Check(MaxDepth, nameof(MaxDepth));
        Check(MaxSubsetAssignments, nameof(MaxSubsetAssignments));
        Check(MaxCheckInWindows, nameof(MaxCheckInWindows));
        Check(MaxCohort, nameof(MaxCohort));
        Check(MaxSignatureBytes, nameof(MaxSignatureBytes));
        Check(MaxSecAggDeviceMessageBytes, nameof(MaxSecAggDeviceMessageBytes));
        Check(MaxSecAggServerMessageBytes, nameof(MaxSecAggServerMessageBytes));
        Check(MaxSecAggGroupSize, nameof(MaxSecAggGroupSize));
        Check(MaxSecAggTags, nameof(MaxSecAggTags));
        if (MaxDepth < 2)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(MaxDepth)} must be at least 2 (the schema nests messages 2 deep), got {MaxDepth}"));
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid wire limits: " + string.Join("; ", errors) + ".");
        }

        void Check(int value, string name)
        {
            if (value <= 0)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be positive, got {value}"));
            }
        }
    }
}
