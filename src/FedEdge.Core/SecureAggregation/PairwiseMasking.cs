namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// The device side of double masking (Bonawitz et al. 2017, §4, eq. for y_u; SecAgg+ restricts the sum to the
/// neighbourhood N(u), Bell et al. 2020):
/// y_u = x_u + PRG(b_u) + Σ_{v ∈ N(u), u &lt; v} PRG(s_{u,v}) − Σ_{v ∈ N(u), u &gt; v} PRG(s_{u,v})  (mod 2^b).
/// The pairwise terms cancel in the sum over a group (each pair contributes +m and −m); the self-mask b_u is removed
/// by the aggregator only for devices whose masked input arrived, so a late y_u of a device declared dropped stays
/// hidden behind b_u.
/// </summary>
public static class PairwiseMasking
{
    /// <summary>+1 when the mask of pair (u, v) is added by u (u &lt; v), −1 when it is subtracted (u &gt; v).</summary>
    public static int Sign(int ownIndex, int peerIndex) => ownIndex < peerIndex ? 1 : -1;

    /// <summary>
    /// destination ← y_u for input x_u (each value below 2^b). <paramref name="destination"/> may be the input itself.
    /// </summary>
    /// <exception cref="ArgumentException">A value is not below 2^b, lengths differ, or a neighbour is u itself or listed twice.</exception>
    public static void Mask(
        MaskExpander expander,
        ReadOnlySpan<ushort> input,
        int bits,
        int ownIndex,
        ReadOnlySpan<byte> selfMaskSeed,
        IReadOnlyList<PairwiseSeed> neighbours,
        Span<ushort> destination)
    {
        ArgumentNullException.ThrowIfNull(expander);
        ArgumentNullException.ThrowIfNull(neighbours);
        ModularVector.ValidateBits(bits);
        if (input.Length != destination.Length)
        {
            throw new ArgumentException($"The destination has {destination.Length} coordinates, the input {input.Length}.", nameof(destination));
        }

        if (!ModularVector.AllBelowModulus(input, bits))
        {
            throw new ArgumentException($"Every input value must be below 2^{bits}.", nameof(input));
        }

        // Sorted copy on the stack (k is O(log n)): a neighbour listed twice would add its mask twice and never cancel.
        Span<int> peers = neighbours.Count <= 512 ? stackalloc int[neighbours.Count] : new int[neighbours.Count];
        for (int i = 0; i < peers.Length; i++)
        {
            peers[i] = neighbours[i].PeerIndex;
        }

        peers.Sort();
        for (int i = 0; i < peers.Length; i++)
        {
            if (peers[i] == ownIndex || (i > 0 && peers[i] == peers[i - 1]))
            {
                throw new ArgumentException($"Neighbour {peers[i]} of device {ownIndex} is the device itself or listed twice.", nameof(neighbours));
            }
        }

        input.CopyTo(destination);
        expander.AddMask(selfMaskSeed, destination, subtract: false);
        foreach (PairwiseSeed neighbour in neighbours)
        {
            expander.AddMask(neighbour.Seed.Span, destination, subtract: Sign(ownIndex, neighbour.PeerIndex) < 0);
        }

        ModularVector.Reduce(destination, bits);
    }
}
