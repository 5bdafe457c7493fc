namespace FedEdge.Protocol.Topics;

/// <summary>
/// The plain-text payloads of <see cref="TopicKind.Availability"/>: Home Assistant's default
/// <c>payload_available</c> / <c>payload_not_available</c>, so a discovery config can point at the
/// topic as it is.
/// </summary>
/// <remarks>
/// Availability has its own topic because MQTT allows one will per connection and the status topic
/// carries protobuf, which Home Assistant cannot read: the will makes this topic "offline" when the
/// broker loses the device, and the device makes it "online" on every (re)connect.
/// </remarks>
public static class DeviceAvailability
{
    /// <summary>The device is connected.</summary>
    public const string Online = "online";

    /// <summary>The device stopped, or the broker lost it (last will).</summary>
    public const string Offline = "offline";

    /// <summary>UTF-8 bytes of <see cref="Online"/>.</summary>
    public static ReadOnlyMemory<byte> OnlinePayload { get; } = "online"u8.ToArray();

    /// <summary>UTF-8 bytes of <see cref="Offline"/>.</summary>
    public static ReadOnlyMemory<byte> OfflinePayload { get; } = "offline"u8.ToArray();

    /// <summary>Reads a payload: true for "online", false for "offline", null for anything else (ignored).</summary>
    public static bool? TryParse(ReadOnlySpan<byte> payload) =>
        payload.SequenceEqual(OnlinePayload.Span) ? true
        : payload.SequenceEqual(OfflinePayload.Span) ? false
        : null;
}
