namespace FedEdge.Core.Aggregation;

/// <summary>
/// Why an update was refused — the one list for the whole path: the aggregator's wire checks (<c>UpdateValidator</c>) and a
/// strategy's admission both answer with it, and the aggregator counts every one in its metrics under its name.
/// </summary>
public enum RejectionReason
{
    /// <summary>Larger than the wire limit.</summary>
    Oversized,

    /// <summary>Not a parseable ModelUpdate, or a field breaks a wire rule.</summary>
    Malformed,

    /// <summary>A protocol major version this build does not speak.</summary>
    UnsupportedVersion,

    /// <summary>Sent to another fleet.</summary>
    WrongFleet,

    /// <summary>The device id in the payload differs from the topic's (which the broker ties to the client certificate).</summary>
    IdentityMismatch,

    /// <summary>Trained from a model version the aggregator has not published.</summary>
    FutureBaseVersion,

    /// <summary>Trained from a model older than the staleness limit.</summary>
    TooStale,

    /// <summary>Trained on a parameter subset the aggregator did not assign.</summary>
    UnknownSubset,

    /// <summary>The payload does not decode into the model's layout (wrong shapes, truncated, wrong codec).</summary>
    WrongShape,

    /// <summary>A NaN or infinite value.</summary>
    NonFinite,

    /// <summary>The update's L2 norm exceeds the bound.</summary>
    NormTooLarge,

    /// <summary>The device sent more updates than its rate allows.</summary>
    RateLimited,

    /// <summary>A sample count of zero or beyond the bound.</summary>
    BadSampleCount,

    /// <summary>FedAvg: the device was not sampled for the open round, or no round is open.</summary>
    NotInCohort,

    /// <summary>The device already has an update waiting in this step's buffer.</summary>
    DeviceAlreadyBuffered,

    /// <summary>
    /// The fleet requires differential privacy and the update declares none (<c>DP_MECHANISM_NONE</c>): a device that skips
    /// its noise would hand the aggregator its raw update and, unclipped, an unbounded pull on the model.
    /// </summary>
    NoDifferentialPrivacy,

    /// <summary>
    /// Accepting the update would take the device's ε, as the aggregator's own ledger composes the mechanisms the device
    /// declared, past the fleet's budget.
    /// </summary>
    PrivacyBudgetExceeded,

    /// <summary>
    /// The message came on a topic outside the v1 scheme (e.g. a device id with a character the wire rule forbids, which
    /// the broker's ACL pattern still lets through): counted and logged, never dropped in silence.
    /// </summary>
    UnexpectedTopic,

    /// <summary>
    /// The fleet runs secure aggregation (distributed DP) and a device sent a plain update: accepting it would let a device
    /// without secure aggregation bypass it, and hand the aggregator an individual update the protocol never reveals.
    /// </summary>
    SecureAggregationRequired,
}
