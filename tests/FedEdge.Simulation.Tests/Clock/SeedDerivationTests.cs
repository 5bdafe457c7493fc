using FedEdge.Simulation.Clock;

namespace FedEdge.Simulation.Tests.Clock;

public sealed class SeedDerivationTests
{
    [Fact]
    public void SplitMix64_of_zero_is_the_published_first_output()
    {
        // SplitMix64 seeded with 0 (state advanced once by the golden gamma): first output 0xE220A8397B1DCDAF,
        // as in Vigna's reference splitmix64.c.
        Assert.Equal(0xE220A8397B1DCDAFUL, SeedDerivation.SplitMix64(0));
    }

    [Fact]
    public void Derived_seeds_are_fixed_numbers_not_per_process_hashes()
    {
        // Independent recomputation of the documented formula: state = seed<<32 ^ device<<8 ^ stream, top 31 bits of SplitMix64.
        ulong state = (3UL << 32) ^ (17UL << 8) ^ 1UL;
        ulong z = unchecked(state + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        Assert.Equal((int)(z >> 33), SeedDerivation.Derive(3, 17, 1));
        Assert.InRange(SeedDerivation.Derive(3, 17, 1), 0, int.MaxValue);
    }

    [Fact]
    public void Streams_devices_and_seeds_get_distinct_seeds()
    {
        var seeds = new HashSet<int>();
        for (int seed = 0; seed < 4; seed++)
        {
            for (int device = 0; device < 500; device++)
            {
                for (int stream = 1; stream <= 2; stream++)
                {
                    seeds.Add(SeedDerivation.Derive(seed, device, stream));
                }
            }
        }

        Assert.Equal(4 * 500 * 2, seeds.Count);
    }
}
