namespace FedEdge.Simulation.Clock;

/// <summary>
/// Seeds for the per-device generators, derived from the run's seed with SplitMix64 (Steele et al.
/// 2014). Not <see cref="HashCode.Combine{T1, T2}(T1, T2)"/>: that is randomised per process, so two
/// runs of one seed in two processes would schedule their devices differently.
/// </summary>
public static class SeedDerivation
{
    /// <summary>A 31-bit seed for stream <paramref name="stream"/> of device <paramref name="device"/> in run <paramref name="seed"/>.</summary>
    public static int Derive(int seed, int device, int stream)
    {
        ulong state = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)device << 8) ^ (uint)stream);
        return (int)(SplitMix64(state) >> 33);
    }

    /// <summary>One SplitMix64 output for <paramref name="state"/> (the golden-gamma increment, then the finaliser).</summary>
    internal static ulong SplitMix64(ulong state)
    {
        unchecked
        {
            ulong z = state + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
