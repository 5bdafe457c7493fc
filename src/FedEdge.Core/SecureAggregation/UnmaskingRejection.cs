namespace FedEdge.Core.SecureAggregation;

/// <summary>Why a group's sum was not released. In every case the aggregator is left with masked vectors only.</summary>
public enum UnmaskingRejection
{
    /// <summary>The sum was released.</summary>
    None = 0,

    /// <summary>Fewer survivors than the group's minimum (the DP noise of n_min devices would not be in the sum).</summary>
    BelowThreshold = 1,

    /// <summary>A survivor or dropped device index is not in the group's graph, or a pair is not an edge.</summary>
    UnknownDevice = 2,

    /// <summary>A survivor's self-mask seed b_u is missing.</summary>
    MissingSelfMaskSeed = 3,

    /// <summary>A pairwise seed between a dropped device and a surviving neighbour is missing.</summary>
    MissingPairwiseSeed = 4,

    /// <summary>
    /// The aggregator holds a self-mask seed of a dropped device, or a pairwise seed of a survivor as if it had dropped:
    /// with both b_u and s_u of one device its input would be exposed (Bonawitz et al. 2017, §4), so nothing is released.
    /// </summary>
    ConflictingSecrets = 5,
}
