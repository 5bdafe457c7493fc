using FedEdge.Core.Parameters;

namespace FedEdge.Core.Tests.Parameters;

public class ParameterSetTests
{
    private static readonly ParameterLayout Layout = new([new TensorSpec("w", 2, 3), new TensorSpec("b", 3)]);

    private static ParameterSet From(params float[] values) => new(Layout, values);

    [Fact]
    public void Tensor_views_address_consecutive_slices_of_one_buffer()
    {
        var p = From(1, 2, 3, 4, 5, 6, 7, 8, 9);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, p["w"].ToArray());
        Assert.Equal(new float[] { 7, 8, 9 }, p["b"].ToArray());
        p["b"][0] = 70;
        Assert.Equal(70, p.Buffer[6]);
        Assert.Equal(6, Layout.OffsetOf(1));
    }

    [Fact]
    public void AddScaled_computes_axpy()
    {
        var y = From(1, 1, 1, 1, 1, 1, 1, 1, 1);
        var x = From(1, 2, 3, 4, 5, 6, 7, 8, 9);
        y.AddScaled(x, -0.5f);
        Assert.Equal(new[] { 0.5f, 0f, -0.5f, -1f, -1.5f, -2f, -2.5f, -3f, -3.5f }, y.Buffer);
    }

    [Fact]
    public void L2Norm_matches_hand_computed_value()
    {
        // sqrt(1+4+...+81) = sqrt(285); tolerance 1e-6 relative (float32 accumulation of 9 terms).
        var p = From(1, 2, 3, 4, 5, 6, 7, 8, 9);
        Assert.Equal(Math.Sqrt(285), p.L2Norm(), 1e-5);
    }

    [Fact]
    public void SetDifference_subtracts_elementwise()
    {
        var d = new ParameterSet(Layout);
        d.SetDifference(From(5, 5, 5, 5, 5, 5, 5, 5, 5), From(1, 2, 3, 4, 5, 6, 7, 8, 9));
        Assert.Equal(new float[] { 4, 3, 2, 1, 0, -1, -2, -3, -4 }, d.Buffer);
    }

    [Fact]
    public void ClipToNorm_scales_a_long_vector_down_to_the_bound_and_leaves_a_short_one_alone()
    {
        var p = From(3, 4, 0, 0, 0, 0, 0, 0, 0);
        Assert.Equal(0.5f, p.ClipToNorm(2.5f), 6);
        Assert.Equal(2.5, p.L2Norm(), 1e-6);
        Assert.Equal(1.5f, p.Buffer[0], 6);

        var q = From(3, 4, 0, 0, 0, 0, 0, 0, 0);
        Assert.Equal(1f, q.ClipToNorm(10f));
        Assert.Equal(3f, q.Buffer[0]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ClipToNorm_rejects_a_bound_that_is_not_positive_and_finite(float bound) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => From(1, 1, 1, 1, 1, 1, 1, 1, 1).ClipToNorm(bound));

    [Fact]
    public void Operations_on_sets_of_different_layouts_throw_naming_both_layouts()
    {
        var other = new ParameterSet(new ParameterLayout([new TensorSpec("w", 9)]));
        var ex = Assert.Throws<ArgumentException>(() => From(1, 1, 1, 1, 1, 1, 1, 1, 1).AddScaled(other, 1));
        Assert.Contains("w[2,3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("w[9]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_layout_rejects_duplicate_names_and_a_wrong_buffer_length()
    {
        Assert.Throws<ArgumentException>(() => new ParameterLayout([new TensorSpec("a", 1), new TensorSpec("a", 2)]));
        Assert.Throws<ArgumentException>(() => new ParameterSet(Layout, new float[8]));
    }

    [Fact]
    public void AllFinite_detects_nan_and_infinity()
    {
        Assert.True(From(1, 2, 3, 4, 5, 6, 7, 8, 9).AllFinite());
        Assert.False(From(1, 2, float.NaN, 4, 5, 6, 7, 8, 9).AllFinite());
        Assert.False(From(1, 2, 3, 4, 5, 6, 7, 8, float.NegativeInfinity).AllFinite());
    }
}
