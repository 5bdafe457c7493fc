namespace FedEdge.Protocol.Topics;

/// <summary>What a FedEdge topic carries.</summary>
public enum TopicKind
{
    /// <summary>fededge/v1/{fleet}/model — the retained, signed <c>GlobalModel</c>.</summary>
    Model = 1,

    /// <summary>fededge/v1/{fleet}/updates/{device} — a device's <c>ModelUpdate</c>s.</summary>
    Updates,

    /// <summary>fededge/v1/{fleet}/status/{device} — the retained <c>DeviceStatus</c>; last will = offline.</summary>
    Status,

    /// <summary>fededge/v1/{fleet}/predictions/{device} — a device's predictions.</summary>
    Predictions,

    /// <summary>fededge/v1/{fleet}/pace — the retained <c>Pace</c>.</summary>
    Pace,

    /// <summary>fededge/v1/{fleet}/feedback/{device} — user feedback labels (small JSON) for the device.</summary>
    Feedback,
}
