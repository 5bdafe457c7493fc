using System.Security.Cryptography;
using System.Text;
using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.Tests.SecureAggregation;

/// <summary>
/// A group of simulated devices for the masking tests. Pairwise seeds stand in for key agreement (which lives in
/// FedEdge.Protocol): s_{u,v} = SHA-256("pair" ‖ round ‖ min(u,v) ‖ max(u,v)), equal at both ends; self-mask seeds and
/// inputs come from a seeded generator.
/// </summary>
internal sealed class SecAggGroupFixture
{
    public SecAggGroupFixture(int count, int degree, int bits, int dimension, int seed)
    {
        Bits = bits;
        var random = new Random(seed);
        var graphSeed = new byte[32];
        random.NextBytes(graphSeed);
        Graph = SecAggNeighbourhood.Create(count, degree, graphSeed);
        Inputs = new ushort[count][];
        SelfSeeds = new byte[count][];
        for (int u = 0; u < count; u++)
        {
            Inputs[u] = new ushort[dimension];
            for (int i = 0; i < dimension; i++)
            {
                Inputs[u][i] = (ushort)random.Next(1 << bits);
            }

            SelfSeeds[u] = new byte[32];
            random.NextBytes(SelfSeeds[u]);
        }

        Round = seed;
    }

    public int Bits { get; }

    public int Round { get; }

    public SecAggNeighbourhood Graph { get; }

    public ushort[][] Inputs { get; }

    public byte[][] SelfSeeds { get; }

    public byte[] PairSeed(int u, int v) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"pair|{Round}|{Math.Min(u, v)}|{Math.Max(u, v)}"));

    public ushort[] Masked(MaskExpander expander, int u)
    {
        var neighbours = new List<PairwiseSeed>();
        foreach (int v in Graph.Neighbours(u))
        {
            neighbours.Add(new PairwiseSeed(v, PairSeed(u, v)));
        }

        var masked = new ushort[Inputs[u].Length];
        PairwiseMasking.Mask(expander, Inputs[u], Bits, u, SelfSeeds[u], neighbours, masked);
        return masked;
    }

    /// <summary>Σ_{u ∈ survivors} x_u mod 2^b in 64-bit integers, independently of the product's 16-bit arithmetic.</summary>
    public ushort[] PlainSum(IEnumerable<int> survivors)
    {
        var sum = new long[Inputs[0].Length];
        foreach (int u in survivors)
        {
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] += Inputs[u][i];
            }
        }

        return [.. sum.Select(s => (ushort)(s % (1L << Bits)))];
    }

    public UnmaskingResult Unmask(MaskExpander expander, IReadOnlyCollection<int> survivors, int minimumSurvivors, ushort[] destination)
    {
        var maskedSum = new ushort[destination.Length];
        foreach (int u in survivors)
        {
            ModularVector.Accumulate(maskedSum, Masked(expander, u));
        }

        var selfSeeds = survivors.ToDictionary(u => u, u => (ReadOnlyMemory<byte>)SelfSeeds[u]);
        var dropped = new List<DroppedPairSeed>();
        for (int u = 0; u < Graph.Count; u++)
        {
            if (survivors.Contains(u))
            {
                continue;
            }

            foreach (int v in Graph.Neighbours(u))
            {
                if (survivors.Contains(v))
                {
                    dropped.Add(new DroppedPairSeed(u, v, PairSeed(u, v)));
                }
            }
        }

        return SecAggUnmasking.Unmask(expander, maskedSum, Bits, Graph, survivors, minimumSurvivors, selfSeeds, dropped, destination);
    }
}
