namespace FedEdge.Protocol.Topics;

/// <summary>What a FedEdge topic carries.</summary>
public enum TopicKind
{
    /// <summary>fededge/v1/{fleet}/model — the retained, signed <c>GlobalModel</c>.</summary>
    Model = 1,

    /// <summary>fededge/v1/{fleet}/updates/{device} — a device's <c>ModelUpdate</c>s.</summary>
    Updates,

    /// <summary>
    /// fededge/v1/{fleet}/status/{device} — the retained <c>DeviceStatus</c> (Offline at a graceful stop; a lost
    /// connection is announced by the last will on <see cref="Availability"/>).
    /// </summary>
    Status,

    /// <summary>fededge/v1/{fleet}/predictions/{device} — a device's predictions.</summary>
    Predictions,

    /// <summary>fededge/v1/{fleet}/pace — the retained <c>Pace</c>.</summary>
    Pace,

    /// <summary>fededge/v1/{fleet}/feedback/{device} — user feedback labels (small JSON) for the device.</summary>
    Feedback,

    /// <summary>
    /// fededge/v1/{fleet}/availability/{device} — retained plain text "online" / "offline"
    /// (<see cref="DeviceAvailability"/>); the device's last will is "offline".
    /// </summary>
    Availability,

    /// <summary>fededge/v1/{fleet}/diagnostics/{device} — the device's retained diagnostics (small JSON) for Home Assistant and people.</summary>
    Diagnostics,

    /// <summary>
    /// fededge/v1/{fleet}/secagg/{device} — the device's secure-aggregation messages to the aggregator
    /// (<c>SecAggDeviceMessage</c>: join, encrypted shares, masked input, unmask shares). Only the device writes it.
    /// </summary>
    SecAgg,

    /// <summary>
    /// fededge/v1/{fleet}/secagg-inbox/{device} — the aggregator's secure-aggregation messages to one device
    /// (<c>SecAggServerMessage</c>: roster, relayed shares, unmask request, abandoned). Only that device reads it.
    /// </summary>
    SecAggInbox,
}
