using FedEdge.Core.SecureAggregation;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.SecureAggregation;

public class SecAggNeighbourhoodTests
{
    [Property(MaxTest = 50)]
    public bool Every_device_has_exactly_k_distinct_neighbours_and_the_relation_is_symmetric(int seed, byte a, byte b)
    {
        int n = 3 + (a % 200);
        int k = Math.Min(n - 1, 2 * (1 + (b % 12)));
        var graph = SecAggNeighbourhood.Create(n, k, PublicSeeds.From(seed));
        for (int u = 0; u < n; u++)
        {
            ReadOnlySpan<int> neighbours = graph.Neighbours(u);
            if (neighbours.Length != graph.Degree || neighbours.Contains(u) || neighbours.ToArray().Distinct().Count() != neighbours.Length)
            {
                return false;
            }

            foreach (int v in neighbours)
            {
                if (!graph.AreNeighbours(v, u))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Fact]
    public void The_same_public_seed_gives_every_party_the_same_graph()
    {
        var first = SecAggNeighbourhood.Create(100, 8, PublicSeeds.From(1));
        var second = SecAggNeighbourhood.Create(100, 8, PublicSeeds.From(1));
        var other = SecAggNeighbourhood.Create(100, 8, PublicSeeds.From(2));
        Assert.All(Enumerable.Range(0, 100), u => Assert.Equal(first.Neighbours(u).ToArray(), second.Neighbours(u).ToArray()));
        Assert.Contains(Enumerable.Range(0, 100), u => !first.Neighbours(u).SequenceEqual(other.Neighbours(u)));
    }

    [Fact]
    public void Each_neighbourhood_is_a_uniform_random_subset_by_a_chi_square_test()
    {
        // Over 6,000 public seeds, device 0's neighbours in a graph of n = 13, k = 4 must hit each of the other 12 devices
        // with probability 4/12. χ² over the 12 hit counts (df = 11) below the p = 0.001 critical value 31.26 (tables).
        var hits = new long[13];
        const int Seeds = 6000;
        for (int s = 0; s < Seeds; s++)
        {
            foreach (int v in SecAggNeighbourhood.Create(13, 4, PublicSeeds.From(s)).Neighbours(0))
            {
                hits[v]++;
            }
        }

        double expected = Seeds * 4.0 / 12.0;
        double chiSquare = hits.Skip(1).Sum(h => (h - expected) * (h - expected) / expected);
        Assert.True(chiSquare < 31.26, $"χ² = {chiSquare:F2}");
    }

    [Fact]
    public void A_degree_of_n_minus_one_or_more_gives_the_complete_graph_of_plain_SecAgg()
    {
        var graph = SecAggNeighbourhood.Create(7, 50, PublicSeeds.From(3));
        Assert.Equal(6, graph.Degree);
        Assert.Equal([0, 1, 2, 4, 5, 6], graph.Neighbours(3).ToArray());
    }

    [Fact]
    public void An_odd_degree_below_n_minus_one_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SecAggNeighbourhood.Create(10, 3, PublicSeeds.From(4)));
    }
}
