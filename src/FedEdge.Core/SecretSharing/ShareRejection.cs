namespace FedEdge.Core.SecretSharing;

/// <summary>Why a set of Shamir shares was refused. Nothing about the secret is released with any of these.</summary>
public enum ShareRejection
{
    /// <summary>Accepted: the secret was reconstructed.</summary>
    None = 0,

    /// <summary>Fewer distinct shares than the threshold t.</summary>
    BelowThreshold = 1,

    /// <summary>The same share (index and values) appears twice — a replay or a relay bug.</summary>
    DuplicateShare = 2,

    /// <summary>Two shares claim the same index with different values.</summary>
    ConflictingShares = 3,

    /// <summary>An index outside [1, <see cref="ShamirSecretSharing.MaxShares"/>].</summary>
    IndexOutOfRange = 4,

    /// <summary>A value not below the field modulus 2⁶¹ − 1.</summary>
    ValueOutOfField = 5,

    /// <summary>A share with the wrong number of limbs for the expected secret length.</summary>
    MalformedShare = 6,

    /// <summary>
    /// The shares do not lie on one polynomial of degree t − 1 (a share beyond the first t disagrees with their
    /// interpolant), or the interpolated limb exceeds the limb width: at least one share is corrupt.
    /// </summary>
    InconsistentShares = 7,
}
