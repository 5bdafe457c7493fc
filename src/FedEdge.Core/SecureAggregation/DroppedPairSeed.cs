namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// A pairwise seed the aggregator recomputed after reconstructing dropped device <paramref name="DroppedIndex"/>'s mask
/// key from Shamir shares: s_{u,v} for u = dropped, v = a surviving neighbour (Bonawitz et al. 2017, §4, round 4).
/// </summary>
public readonly record struct DroppedPairSeed(int DroppedIndex, int SurvivorIndex, ReadOnlyMemory<byte> Seed);
