namespace FedEdge.Protocol.SecureAggregation;

/// <summary>What a key derived from a pairwise ECDH secret is for; part of the HKDF label, so the keys are independent.</summary>
public enum SeedPurpose
{
    /// <summary>s_{u,v}: the AES-256-CTR seed of the pairwise mask (from the s key pairs).</summary>
    PairwiseMask = 1,

    /// <summary>The AES-256-GCM key of the share channel between u and v (from the c key pairs).</summary>
    ShareChannel = 2,
}
