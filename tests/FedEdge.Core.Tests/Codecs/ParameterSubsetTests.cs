using FedEdge.Core.Codecs;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class ParameterSubsetTests
{
    [Fact]
    public void Content_hash_is_sha256_of_little_endian_int32_indices()
    {
        // Reference digests from coreutils: printf '\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00' | sha256sum
        // and printf '\x05\x00\x00\x00\x00\x01\x00\x00' | sha256sum (indices 5 and 256).
        Assert.Equal(
            "ad5dc1478de06a4c2728ea528bd9361a4b945e92a414bf4d180cedaaeaa5f4cc",
            Convert.ToHexStringLower(new ParameterSubset([0, 1, 2], 10).ContentHash));
        Assert.Equal(
            "a0330d6f9c48356cdecc37d5021db50bc6befdee34782851fdcfc228150dfc80",
            Convert.ToHexStringLower(new ParameterSubset([5, 256], 300).ContentHash));
    }

    [Theory]
    [InlineData(new[] { 3, 2 }, "does not follow")]
    [InlineData(new[] { 1, 1 }, "does not follow")]
    [InlineData(new[] { 0, 10 }, "out of range 0..9")]
    [InlineData(new[] { -1 }, "out of range 0..9")]
    [InlineData(new int[0], "at least one index")]
    public void Constructor_rejects_unsorted_duplicate_out_of_range_or_empty_indices(int[] indices, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => new ParameterSubset(indices, 10));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.False(ParameterSubset.TryCreate(indices, 10, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Property(MaxTest = 100)]
    public void Scatter_after_gather_restores_the_subset_coordinates_and_leaves_the_rest(int seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(1, 500);
        var subset = new ParameterSubset(CodecFixtures.RandomIndices(rng, n, rng.NextDouble()), n);
        float[] full = CodecFixtures.RandomUpdate(rng, n);
        var values = new float[subset.Count];

        subset.Gather(full, values);
        var target = new float[n];
        Array.Fill(target, 42f);
        subset.Scatter(values, target);

        var inSubset = new HashSet<int>(subset.Indices.ToArray());
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(inSubset.Contains(i) ? full[i] : 42f, target[i]);
        }
    }

    [Fact]
    public void Subsets_with_the_same_indices_are_equal_and_share_the_hash()
    {
        var a = new ParameterSubset([1, 4, 9], 10);
        var b = new ParameterSubset([1, 4, 9], 10);
        var c = new ParameterSubset([1, 4, 8], 10);
        Assert.Equal(a, b);
        Assert.True(a.HasContentHash(b.ContentHash));
        Assert.NotEqual(a, c);
        Assert.False(a.HasContentHash(c.ContentHash));
    }

    [Fact]
    public void Gather_rejects_buffers_of_the_wrong_length()
    {
        var subset = new ParameterSubset([1, 4], 10);
        Assert.Throws<ArgumentException>(() => subset.Gather(new float[9], new float[2]));
        Assert.Throws<ArgumentException>(() => subset.Gather(new float[10], new float[3]));
    }
}
