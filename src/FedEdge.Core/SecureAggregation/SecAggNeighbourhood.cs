using System.Buffers.Binary;

namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// The SecAgg+ communication graph (Bell, Bonawitz, Gascón, Lepoint, Raykova 2020, "Secure Single-Server Aggregation
/// with (Poly)Logarithmic Overhead", §3–4): each device masks with, and Shamir-shares its secrets among, only its k
/// neighbours instead of all n − 1, k = O(log n). The graph here is a Harary graph H(k, n) on a random relabelling:
/// the devices are placed on a ring in the order of a uniformly random permutation drawn from a public round seed, and
/// each is joined to the k/2 nearest on either side. Every device's neighbourhood is then a uniformly random k-subset
/// of the others, which is what <see cref="SecAggNeighbourhoodPlan"/>'s failure bounds assume; every device (and
/// the aggregator) derives the same graph from the seed. k ≥ n − 1 gives the complete graph (plain SecAgg). Immutable.
/// </summary>
public sealed class SecAggNeighbourhood
{
    private readonly int[][] _neighbours;

    private SecAggNeighbourhood(int count, int degree, int[][] neighbours)
    {
        Count = count;
        Degree = degree;
        _neighbours = neighbours;
    }

    /// <summary>n, the group size.</summary>
    public int Count { get; }

    /// <summary>k, the number of neighbours of every device.</summary>
    public int Degree { get; }

    /// <summary>
    /// Builds the graph for <paramref name="count"/> devices of degree <paramref name="degree"/> (even, or ≥ n − 1 for
    /// the complete graph) from a 32-byte public seed; the permutation is a Fisher–Yates shuffle driven by AES-CTR
    /// (<see cref="MaskExpander"/>) with rejection sampling, so it is exactly uniform.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 2, or k not in [2, n − 1] and even (k ≥ n − 1 is allowed and means complete).</exception>
    public static SecAggNeighbourhood Create(int count, int degree, ReadOnlySpan<byte> publicSeed)
    {
        if (count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A group needs at least 2 devices.");
        }

        if (degree >= count - 1)
        {
            return Complete(count);
        }

        if (degree < 2 || degree % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(degree), degree, "The degree k must be even and ≥ 2 (or ≥ n − 1 for the complete graph).");
        }

        int[] ring = Permutation(count, publicSeed);
        var neighbours = new int[count][];
        for (int position = 0; position < count; position++)
        {
            var list = new int[degree];
            for (int step = 1; step <= degree / 2; step++)
            {
                list[(2 * step) - 2] = ring[(position + step) % count];
                list[(2 * step) - 1] = ring[(position - step + count) % count];
            }

            Array.Sort(list);
            neighbours[ring[position]] = list;
        }

        return new SecAggNeighbourhood(count, degree, neighbours);
    }

    /// <summary>N(u), sorted ascending.</summary>
    public ReadOnlySpan<int> Neighbours(int device)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(device);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(device, Count);
        return _neighbours[device];
    }

    /// <summary>True when u and v are neighbours.</summary>
    public bool AreNeighbours(int u, int v) => u != v && Neighbours(u).BinarySearch(v) >= 0;

    private static SecAggNeighbourhood Complete(int count)
    {
        var neighbours = new int[count][];
        for (int u = 0; u < count; u++)
        {
            neighbours[u] = [.. Enumerable.Range(0, count).Where(v => v != u)];
        }

        return new SecAggNeighbourhood(count, count - 1, neighbours);
    }

    private static int[] Permutation(int count, ReadOnlySpan<byte> seed)
    {
        var ring = new int[count];
        for (int i = 0; i < count; i++)
        {
            ring[i] = i;
        }

        // Enough keystream for every swap with an expected ≤ 2 draws each; more is generated in the (negligible) case of a shortfall.
        using var expander = new MaskExpander();
        var words = new byte[sizeof(ulong) * 2 * count];
        ulong block = 0;
        expander.Keystream(seed, block, words);
        int next = 0;
        for (int i = count - 1; i > 0; i--)
        {
            ulong bound = (ulong)i + 1;
            ulong limit = ulong.MaxValue - (((ulong.MaxValue % bound) + 1) % bound);
            while (true)
            {
                if (next == words.Length)
                {
                    block += (ulong)words.Length / 16;
                    expander.Keystream(seed, block, words);
                    next = 0;
                }

                ulong x = BinaryPrimitives.ReadUInt64LittleEndian(words.AsSpan(next));
                next += sizeof(ulong);
                if (x <= limit)
                {
                    int j = (int)(x % bound);
                    (ring[i], ring[j]) = (ring[j], ring[i]);
                    break;
                }
            }
        }

        return ring;
    }
}
