namespace FedEdge.Core.Tests.SecureAggregation;

/// <summary>32-byte public round seeds for tests: the little-endian bytes of an integer, zero-padded.</summary>
internal static class PublicSeeds
{
    public static byte[] From(int value)
    {
        var seed = new byte[32];
        BitConverter.TryWriteBytes(seed, value);
        return seed;
    }
}
