using FedEdge.Core.Codecs;
using FedEdge.Protocol.Wire;
using FsCheck.Xunit;

namespace FedEdge.Protocol.Tests.Wire;

public class SubsetIndexCodingTests
{
    [Property(MaxTest = 200)]
    public void TryToSubset_rebuilds_the_subset_that_ToAssignment_encoded(int seed)
    {
        var rng = new Random(seed);
        int total = rng.Next(1, 5000);
        int[] indices = Enumerable.Range(0, total).Where(_ => rng.NextDouble() < 0.3).ToArray();
        if (indices.Length == 0)
        {
            indices = [rng.Next(total)];
        }

        var subset = new ParameterSubset(indices, total);

        bool ok = SubsetIndexCoding.TryToSubset(SubsetIndexCoding.ToAssignment("c", subset), total, out ParameterSubset? back, out string? error);

        Assert.True(ok, error);
        Assert.Equal(subset, back);
        Assert.True(back!.HasContentHash(subset.ContentHash));
    }

    [Fact]
    public void ToAssignment_writes_the_first_index_then_the_gaps()
    {
        var subset = new ParameterSubset([3, 4, 10, 100], 200);

        SubsetAssignment assignment = SubsetIndexCoding.ToAssignment("c", subset);

        Assert.Equal([3u, 1u, 6u, 90u], assignment.IndexDeltas);
    }

    [Fact]
    public void TryToSubset_gives_no_subset_for_all_parameters()
    {
        bool ok = SubsetIndexCoding.TryToSubset(SubsetIndexCoding.AllParameters("c"), 10, out ParameterSubset? subset, out _);

        Assert.True(ok);
        Assert.Null(subset);
    }

    [Fact]
    public void TryToSubset_rejects_indices_beyond_the_layout()
    {
        var subset = new ParameterSubset([3, 40], 41);

        bool ok = SubsetIndexCoding.TryToSubset(SubsetIndexCoding.ToAssignment("c", subset), 20, out _, out string? error);

        Assert.False(ok);
        Assert.Contains("out of range", error, StringComparison.Ordinal);
    }

    [Fact]
    public void WireEncodings_maps_every_codec_encoding_to_the_same_number()
    {
        foreach (UpdateEncoding encoding in Enum.GetValues<UpdateEncoding>().Where(e => e != UpdateEncoding.None))
        {
            PayloadEncoding wire = WireEncodings.ToWire(encoding);

            Assert.Equal((int)encoding, (int)wire);
            Assert.True(WireEncodings.TryFromWire(wire, out UpdateEncoding back));
            Assert.Equal(encoding, back);
        }
    }

    [Fact]
    public void WireEncodings_has_a_wire_value_for_every_codec_encoding_and_no_more()
    {
        Assert.Equal(Enum.GetValues<UpdateEncoding>().Length, Enum.GetValues<PayloadEncoding>().Length);
    }
}
