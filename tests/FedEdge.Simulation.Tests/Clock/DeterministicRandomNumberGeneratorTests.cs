using System.Security.Cryptography;
using FedEdge.Simulation.Clock;

namespace FedEdge.Simulation.Tests.Clock;

public sealed class DeterministicRandomNumberGeneratorTests
{
    [Fact]
    public void The_same_seed_gives_the_same_stream_whatever_the_read_sizes()
    {
        using var a = new DeterministicRandomNumberGenerator("seed 1");
        using var b = new DeterministicRandomNumberGenerator("seed 1");
        byte[] whole = new byte[10_000];
        a.GetBytes(whole);
        byte[] pieces = new byte[10_000];
        for (int offset = 0, size = 1; offset < pieces.Length; offset += size, size = size * 3 % 977 + 1)
        {
            b.GetBytes(pieces, offset, Math.Min(size, pieces.Length - offset));
        }

        Assert.Equal(whole, pieces);
    }

    [Fact]
    public void Different_seeds_give_different_streams()
    {
        using var a = new DeterministicRandomNumberGenerator("device 1");
        using var b = new DeterministicRandomNumberGenerator("device 2");
        byte[] x = new byte[64];
        byte[] y = new byte[64];
        a.GetBytes(x);
        b.GetBytes(y);
        Assert.NotEqual(x, y);
    }

    [Fact]
    public void The_stream_is_AES_256_CTR_keyed_by_SHA_256_of_the_seed()
    {
        // Independent reference: encrypt the little-endian counters 0, 1, 2 with AES-256-ECB under SHA-256("abc").
        using var aes = Aes.Create();
        aes.Key = SHA256.HashData("abc"u8);
        byte[] counters = new byte[48];
        counters[16] = 1;
        counters[32] = 2;
        byte[] expected = aes.EncryptEcb(counters, PaddingMode.None);
        using var generator = new DeterministicRandomNumberGenerator("abc");
        byte[] actual = new byte[48];
        generator.GetBytes(actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Byte_values_are_uniform_by_a_chi_square_test()
    {
        using var generator = new DeterministicRandomNumberGenerator("uniformity");
        byte[] data = new byte[256 * 1000];
        generator.GetBytes(data);
        var counts = new int[256];
        foreach (byte b in data)
        {
            counts[b]++;
        }

        double chi = counts.Sum(c => (c - 1000.0) * (c - 1000.0) / 1000.0);
        // 255 degrees of freedom: the 0.1 % upper critical value is 330.5 (deterministic seed, so no flake).
        Assert.InRange(chi, 0, 330.5);
    }
}
