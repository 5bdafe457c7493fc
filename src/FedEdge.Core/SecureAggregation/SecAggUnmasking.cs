namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// The aggregator side of double masking (Bonawitz et al. 2017, §4, round 4 "Unmasking", restricted to neighbourhoods as
/// in SecAgg+, Bell et al. 2020). Given Σ_{u ∈ U} y_u over the survivors U whose masked inputs arrived:
/// Σ_{u ∈ U} x_u = Σ_{u ∈ U} y_u − Σ_{u ∈ U} PRG(b_u) + Σ_{u ∉ U} Σ_{v ∈ N(u) ∩ U} sign(u, v)·PRG(s_{u,v})  (mod 2^b).
/// The last term cancels what each survivor v added for its dropped neighbour u: v added sign(v, u)·PRG(s_{u,v}) =
/// −sign(u, v)·PRG(s_{u,v}); pairs of survivors cancel by themselves.
/// </summary>
public static class SecAggUnmasking
{
    /// <summary>
    /// destination ← Σ_{u ∈ survivors} x_u mod 2^b, or a refusal with the destination cleared. Refuses when fewer than
    /// <paramref name="minimumSurvivors"/> survived, when a seed is missing, or when the aggregator holds a dropped
    /// device's self-mask seed or a survivor's pairwise seeds as if it had dropped. <c>excluded</c> lists devices that left
    /// before masking (Bonawitz et al.'s U₁ \ U₂: their shares never went out, so no survivor masked with them): no
    /// pairwise seed is expected of them, none is accepted, and none may be a survivor; null or empty means none.
    /// </summary>
    public static UnmaskingResult Unmask(
        MaskExpander expander,
        ReadOnlySpan<ushort> maskedSum,
        int bits,
        SecAggNeighbourhood graph,
        IReadOnlyCollection<int> survivors,
        int minimumSurvivors,
        IReadOnlyDictionary<int, ReadOnlyMemory<byte>> selfMaskSeeds,
        IReadOnlyList<DroppedPairSeed> droppedPairSeeds,
        Span<ushort> destination,
        IReadOnlyCollection<int>? excluded = null)
    {
        ArgumentNullException.ThrowIfNull(expander);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(survivors);
        ArgumentNullException.ThrowIfNull(selfMaskSeeds);
        ArgumentNullException.ThrowIfNull(droppedPairSeeds);
        ModularVector.ValidateBits(bits);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumSurvivors, 1);
        if (maskedSum.Length != destination.Length)
        {
            throw new ArgumentException($"The destination has {destination.Length} coordinates, the masked sum {maskedSum.Length}.", nameof(destination));
        }

        destination.Clear();
        var alive = new HashSet<int>(survivors);
        var absent = new HashSet<int>(excluded ?? []);
        if (absent.Overlaps(alive))
        {
            return Refuse(UnmaskingRejection.ConflictingSecrets, "A device excluded before masking is listed as a survivor.");
        }

        UnmaskingResult check = Check(graph, alive, absent, survivors.Count, minimumSurvivors, selfMaskSeeds, droppedPairSeeds, out var pairSeeds);
        if (!check.Succeeded)
        {
            return check;
        }

        maskedSum.CopyTo(destination);
        foreach (int u in alive)
        {
            expander.AddMask(selfMaskSeeds[u].Span, destination, subtract: true);
        }

        for (int u = 0; u < graph.Count; u++)
        {
            if (alive.Contains(u) || absent.Contains(u))
            {
                continue;
            }

            foreach (int v in graph.Neighbours(u))
            {
                if (alive.Contains(v))
                {
                    expander.AddMask(pairSeeds[(u, v)].Span, destination, subtract: PairwiseMasking.Sign(u, v) < 0);
                }
            }
        }

        ModularVector.Reduce(destination, bits);
        return new UnmaskingResult(UnmaskingRejection.None, string.Empty);
    }

    private static UnmaskingResult Check(
        SecAggNeighbourhood graph,
        HashSet<int> alive,
        HashSet<int> absent,
        int reportedCount,
        int minimumSurvivors,
        IReadOnlyDictionary<int, ReadOnlyMemory<byte>> selfMaskSeeds,
        IReadOnlyList<DroppedPairSeed> droppedPairSeeds,
        out Dictionary<(int Dropped, int Survivor), ReadOnlyMemory<byte>> pairSeeds)
    {
        pairSeeds = [];
        if (alive.Count != reportedCount)
        {
            return Refuse(UnmaskingRejection.UnknownDevice, "A survivor is listed twice.");
        }

        foreach (int u in alive)
        {
            if (u < 0 || u >= graph.Count)
            {
                return Refuse(UnmaskingRejection.UnknownDevice, $"Survivor {u} is not in the group of {graph.Count}.");
            }
        }

        if (alive.Count < minimumSurvivors)
        {
            return Refuse(UnmaskingRejection.BelowThreshold, $"{alive.Count} survivors, at least {minimumSurvivors} required.");
        }

        foreach (int u in selfMaskSeeds.Keys)
        {
            if (!alive.Contains(u))
            {
                return Refuse(UnmaskingRejection.ConflictingSecrets, $"The self-mask seed of device {u}, which did not survive, must never be reconstructed.");
            }
        }

        foreach (int u in alive)
        {
            if (!selfMaskSeeds.TryGetValue(u, out ReadOnlyMemory<byte> seed) || seed.Length != MaskExpander.SeedBytes)
            {
                return Refuse(UnmaskingRejection.MissingSelfMaskSeed, $"No self-mask seed for survivor {u}.");
            }
        }

        foreach (DroppedPairSeed pair in droppedPairSeeds)
        {
            if (alive.Contains(pair.DroppedIndex))
            {
                return Refuse(UnmaskingRejection.ConflictingSecrets, $"A pairwise seed of survivor {pair.DroppedIndex} was recovered as if it had dropped.");
            }

            if (absent.Contains(pair.DroppedIndex))
            {
                return Refuse(UnmaskingRejection.UnknownDevice, $"Device {pair.DroppedIndex} was excluded before masking; nobody masked with it.");
            }

            if (pair.DroppedIndex < 0 || pair.DroppedIndex >= graph.Count || !alive.Contains(pair.SurvivorIndex)
                || !graph.AreNeighbours(pair.DroppedIndex, pair.SurvivorIndex))
            {
                return Refuse(UnmaskingRejection.UnknownDevice, $"({pair.DroppedIndex}, {pair.SurvivorIndex}) is not an edge from a dropped device to a survivor.");
            }

            pairSeeds[(pair.DroppedIndex, pair.SurvivorIndex)] = pair.Seed;
        }

        for (int u = 0; u < graph.Count; u++)
        {
            if (alive.Contains(u) || absent.Contains(u))
            {
                continue;
            }

            foreach (int v in graph.Neighbours(u))
            {
                if (alive.Contains(v) && (!pairSeeds.TryGetValue((u, v), out ReadOnlyMemory<byte> seed) || seed.Length != MaskExpander.SeedBytes))
                {
                    return Refuse(UnmaskingRejection.MissingPairwiseSeed, $"No pairwise seed between dropped device {u} and survivor {v}.");
                }
            }
        }

        return new UnmaskingResult(UnmaskingRejection.None, string.Empty);
    }

    private static UnmaskingResult Refuse(UnmaskingRejection rejection, string detail) => new(rejection, detail);
}
