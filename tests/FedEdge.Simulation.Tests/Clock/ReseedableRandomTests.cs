using FedEdge.Simulation.Clock;

namespace FedEdge.Simulation.Tests.Clock;

public sealed class ReseedableRandomTests
{
    [Fact]
    public void After_a_reseed_every_draw_is_what_a_new_random_with_that_seed_gives()
    {
        var reseedable = new ReseedableRandom(1);
        reseedable.Next();
        reseedable.Reseed(42);
        var fresh = new Random(42);

        Assert.Equal(fresh.Next(), reseedable.Next());
        Assert.Equal(fresh.Next(17), reseedable.Next(17));
        Assert.Equal(fresh.Next(-5, 5), reseedable.Next(-5, 5));
        Assert.Equal(fresh.NextInt64(), reseedable.NextInt64());
        Assert.Equal(fresh.NextInt64(1_000_000_007L), reseedable.NextInt64(1_000_000_007L));
        Assert.Equal(fresh.NextInt64(-9L, 9L), reseedable.NextInt64(-9L, 9L));
        Assert.Equal(fresh.NextSingle(), reseedable.NextSingle());
        Assert.Equal(fresh.NextDouble(), reseedable.NextDouble());
        byte[] a = new byte[13], b = new byte[13];
        fresh.NextBytes(a);
        reseedable.NextBytes(b);
        Assert.Equal(a, b);
        fresh.NextBytes(a.AsSpan());
        reseedable.NextBytes(b.AsSpan());
        Assert.Equal(a, b);

        // the non-virtual helpers go through the virtual draws
        int[] x = [.. Enumerable.Range(0, 50)], y = [.. Enumerable.Range(0, 50)];
        fresh.Shuffle(x);
        reseedable.Shuffle(y);
        Assert.Equal(x, y);
    }
}
