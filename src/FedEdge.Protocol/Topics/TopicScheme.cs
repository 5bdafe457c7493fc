using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FedEdge.Protocol.Wire;

namespace FedEdge.Protocol.Topics;

/// <summary>
/// The v1 MQTT topic names (DESIGN.md §2) — built from validated ids, and parsed back from received
/// topics with anything malformed rejected.
/// </summary>
/// <remarks>
/// Fleet and device ids are <see cref="WireIdentifier"/>s, so they can contain none of '/', '+', '#'
/// (MQTT 5.0 §4.7: level separator and wildcards) nor start with '$' (§4.7.2: reserved for the
/// broker), and a topic has exactly the levels below. Broker ACLs key on the same structure
/// (a device may publish only under its own {device} level), so this class and the ACL template in
/// deploy/ must agree.
/// </remarks>
public static class TopicScheme
{
    /// <summary>The first two levels of every v1 topic.</summary>
    public const string Prefix = "fededge/v1/";

    /// <summary>The default shared-subscription group of aggregators.</summary>
    public const string DefaultAggregatorGroup = "aggregators";

    /// <summary>Longest topic accepted by <see cref="TryParse"/>: prefix + two identifiers + the longest kind.</summary>
    public const int MaxTopicLength = 256;

    private const string ModelLevel = "model";
    private const string UpdatesLevel = "updates";
    private const string StatusLevel = "status";
    private const string PredictionsLevel = "predictions";
    private const string PaceLevel = "pace";
    private const string FeedbackLevel = "feedback";
    private const string AvailabilityLevel = "availability";
    private const string DiagnosticsLevel = "diagnostics";
    private const string SecAggLevel = "secagg";
    private const string SecAggInboxLevel = "secagg-inbox";

    /// <summary>fededge/v1/{fleet}/model</summary>
    public static string Model(string fleet) => Prefix + Require(fleet, nameof(fleet)) + "/" + ModelLevel;

    /// <summary>fededge/v1/{fleet}/pace</summary>
    public static string Pace(string fleet) => Prefix + Require(fleet, nameof(fleet)) + "/" + PaceLevel;

    /// <summary>fededge/v1/{fleet}/updates/{device}</summary>
    public static string Updates(string fleet, string device) => PerDevice(fleet, UpdatesLevel, device);

    /// <summary>fededge/v1/{fleet}/status/{device}</summary>
    public static string Status(string fleet, string device) => PerDevice(fleet, StatusLevel, device);

    /// <summary>fededge/v1/{fleet}/predictions/{device}</summary>
    public static string Predictions(string fleet, string device) => PerDevice(fleet, PredictionsLevel, device);

    /// <summary>fededge/v1/{fleet}/feedback/{device} — user feedback labels for the device (e.g. from a Home Assistant automation).</summary>
    public static string Feedback(string fleet, string device) => PerDevice(fleet, FeedbackLevel, device);

    /// <summary>fededge/v1/{fleet}/availability/{device} — retained "online" / "offline" (<see cref="DeviceAvailability"/>); the device's last will.</summary>
    public static string Availability(string fleet, string device) => PerDevice(fleet, AvailabilityLevel, device);

    /// <summary>fededge/v1/{fleet}/diagnostics/{device} — the device's retained diagnostics JSON.</summary>
    public static string Diagnostics(string fleet, string device) => PerDevice(fleet, DiagnosticsLevel, device);

    /// <summary>fededge/v1/{fleet}/secagg/{device} — the device's secure-aggregation messages to the aggregator.</summary>
    public static string SecAgg(string fleet, string device) => PerDevice(fleet, SecAggLevel, device);

    /// <summary>fededge/v1/{fleet}/secagg-inbox/{device} — the aggregator's secure-aggregation messages to the device.</summary>
    public static string SecAggInbox(string fleet, string device) => PerDevice(fleet, SecAggInboxLevel, device);

    /// <summary>fededge/v1/{fleet}/secagg/+ — every device's secure-aggregation messages, for the aggregator.</summary>
    public static string AllSecAggFilter(string fleet) => Prefix + Require(fleet, nameof(fleet)) + "/" + SecAggLevel + "/+";

    /// <summary>fededge/v1/{fleet}/updates/+ — every device's updates, for a single aggregator.</summary>
    public static string AllUpdatesFilter(string fleet) => Prefix + Require(fleet, nameof(fleet)) + "/" + UpdatesLevel + "/+";

    /// <summary>fededge/v1/{fleet}/status/+ — every device's status.</summary>
    public static string AllStatusFilter(string fleet) => Prefix + Require(fleet, nameof(fleet)) + "/" + StatusLevel + "/+";

    /// <summary>fededge/v1/{fleet}/availability/+ — every device's availability.</summary>
    public static string AllAvailabilityFilter(string fleet) => Prefix + Require(fleet, nameof(fleet)) + "/" + AvailabilityLevel + "/+";

    /// <summary>Whether topics of <paramref name="kind"/> have a device level.</summary>
    public static bool IsPerDevice(TopicKind kind) =>
        kind is TopicKind.Updates or TopicKind.Status or TopicKind.Predictions or TopicKind.Feedback or TopicKind.Availability or TopicKind.Diagnostics
            or TopicKind.SecAgg or TopicKind.SecAggInbox;

    /// <summary>
    /// $share/{group}/fededge/v1/{fleet}/updates/+ — the MQTT 5 shared subscription (§4.8.2) through
    /// which the broker hands each update to one aggregator of the group.
    /// </summary>
    public static string SharedUpdatesSubscription(string fleet, string group = DefaultAggregatorGroup) =>
        "$share/" + Require(group, nameof(group)) + "/" + AllUpdatesFilter(fleet);

    /// <summary>The topic of <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">An id is invalid, or a device is missing or present where it must not be.</exception>
    public static string Format(TopicAddress address)
    {
        bool perDevice = IsPerDevice(address.Kind);
        if (perDevice != (address.Device is not null))
        {
            throw new ArgumentException($"A {address.Kind} topic {(perDevice ? "needs" : "has no")} a device.", nameof(address));
        }

        return address.Kind switch
        {
            TopicKind.Model => Model(address.Fleet),
            TopicKind.Pace => Pace(address.Fleet),
            TopicKind.Updates => Updates(address.Fleet, address.Device!),
            TopicKind.Status => Status(address.Fleet, address.Device!),
            TopicKind.Predictions => Predictions(address.Fleet, address.Device!),
            TopicKind.Feedback => Feedback(address.Fleet, address.Device!),
            TopicKind.Availability => Availability(address.Fleet, address.Device!),
            TopicKind.Diagnostics => Diagnostics(address.Fleet, address.Device!),
            TopicKind.SecAgg => SecAgg(address.Fleet, address.Device!),
            TopicKind.SecAggInbox => SecAggInbox(address.Fleet, address.Device!),
            _ => throw new ArgumentOutOfRangeException(nameof(address), address.Kind, "Unknown topic kind."),
        };
    }

    /// <summary>
    /// Parses a topic a message was received on. Anything that is not exactly one of the v1 topics
    /// with valid ids — wildcards, empty or extra levels, a shared-subscription filter, another
    /// version — is rejected with <paramref name="reason"/>.
    /// </summary>
    public static bool TryParse(string? topic, out TopicAddress address, [NotNullWhen(false)] out string? reason)
    {
        address = default;
        reason = Check(topic, ref address);
        return reason is null;
    }

    private static string? Check(string? topic, ref TopicAddress address)
    {
        if (string.IsNullOrEmpty(topic))
        {
            return "the topic is empty";
        }

        if (topic.Length > MaxTopicLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the topic is {topic.Length} characters long (at most {MaxTopicLength})");
        }

        if (!topic.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return topic.StartsWith("fededge/", StringComparison.Ordinal)
                ? "the topic is not a fededge/v1 topic (another protocol major version?)"
                : "the topic does not start with " + Prefix;
        }

        ReadOnlySpan<char> rest = topic.AsSpan(Prefix.Length);
        Span<Range> levels = stackalloc Range[4];
        int count = rest.Split(levels, '/');
        if (count < 2 || count > 3)
        {
            return "the topic does not have 4 or 5 levels";
        }

        string fleet = rest[levels[0]].ToString();
        string kind = rest[levels[1]].ToString();
        string? error = WireIdentifier.Check(fleet, "the fleet level");
        if (error is not null)
        {
            return error;
        }

        TopicKind? parsed = kind switch
        {
            ModelLevel => TopicKind.Model,
            PaceLevel => TopicKind.Pace,
            UpdatesLevel => TopicKind.Updates,
            StatusLevel => TopicKind.Status,
            PredictionsLevel => TopicKind.Predictions,
            FeedbackLevel => TopicKind.Feedback,
            AvailabilityLevel => TopicKind.Availability,
            DiagnosticsLevel => TopicKind.Diagnostics,
            SecAggLevel => TopicKind.SecAgg,
            SecAggInboxLevel => TopicKind.SecAggInbox,
            _ => null,
        };
        if (parsed is not { } k)
        {
            return "the kind level is not one of model, pace, updates, status, predictions, feedback, availability, diagnostics, secagg, secagg-inbox";
        }

        bool perDevice = IsPerDevice(k);
        if (perDevice != (count == 3))
        {
            return perDevice ? $"a {kind} topic needs a device level" : $"a {kind} topic has no level after {kind}";
        }

        string? device = null;
        if (perDevice)
        {
            device = rest[levels[2]].ToString();
            error = WireIdentifier.Check(device, "the device level");
            if (error is not null)
            {
                return error;
            }
        }

        address = new TopicAddress(k, fleet, device);
        return null;
    }

    private static string PerDevice(string fleet, string level, string device) =>
        Prefix + Require(fleet, nameof(fleet)) + "/" + level + "/" + Require(device, nameof(device));

    private static string Require(string value, string name)
    {
        string? error = WireIdentifier.Check(value, name);
        return error is null ? value : throw new ArgumentException(error + ".", name);
    }
}
