namespace FedEdge.Core.SecureAggregation;

/// <summary>The 32-byte seed s_{u,v} a device shares with neighbour <paramref name="PeerIndex"/> (Bonawitz et al. 2017, §4).</summary>
/// <param name="PeerIndex">The neighbour's index in the group, 0 ≤ v &lt; n.</param>
/// <param name="Seed">s_{u,v}, derived identically by both ends (FedEdge.Protocol's key agreement).</param>
public readonly record struct PairwiseSeed(int PeerIndex, ReadOnlyMemory<byte> Seed);
