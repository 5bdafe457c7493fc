namespace FedEdge.Core.Aggregation;

/// <summary>Why a strategy refused a client update.</summary>
public enum UpdateRejection
{
    /// <summary>Not rejected.</summary>
    None = 0,

    /// <summary>The delta's length or coordinate set does not match the layout / assigned subset.</summary>
    ShapeMismatch,

    /// <summary>The delta holds NaN or ±∞.</summary>
    NonFinite,

    /// <summary>Sample count not positive, or ids missing.</summary>
    InvalidMetadata,

    /// <summary>The base version is newer than the current model (from the future).</summary>
    FutureVersion,

    /// <summary>Staleness τ exceeds the strategy's limit, or (FedAvg) the update is for another round.</summary>
    TooStale,

    /// <summary>FedAvg: the device was not sampled for this round, or no round is open.</summary>
    NotInCohort,

    /// <summary>The device already has an update in the buffer for this step.</summary>
    Duplicate,
}
