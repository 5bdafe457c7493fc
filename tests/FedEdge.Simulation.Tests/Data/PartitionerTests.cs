using FedEdge.Simulation.Data;

namespace FedEdge.Simulation.Tests.Data;

public sealed class PartitionerTests
{
    private static int[] Labels(int perClass, int classes) =>
        Enumerable.Range(0, classes).SelectMany(c => Enumerable.Repeat(c, perClass)).ToArray();

    [Theory]
    [InlineData("iid")]
    [InlineData("dirichlet:0.3")]
    [InlineData("dirichlet:100")]
    public void Every_row_goes_to_exactly_one_device(string spec)
    {
        int[] labels = Labels(100, 10);
        var shards = Partitioner.Split(labels, 10, 17, PartitionSpec.Parse(spec), new Random(1));
        Assert.Equal(17, shards.Length);
        Assert.Equal(Enumerable.Range(0, labels.Length), shards.SelectMany(s => s).Order());
    }

    [Fact]
    public void Iid_shards_differ_in_size_by_at_most_one()
    {
        var shards = Partitioner.Split(Labels(100, 10), 10, 7, PartitionSpec.Iid, new Random(2));
        Assert.InRange(shards.Max(s => s.Length) - shards.Min(s => s.Length), 0, 1);
    }

    [Fact]
    public void A_small_alpha_gives_skewed_label_mixes_and_a_large_one_near_uniform_mixes()
    {
        int[] labels = Labels(500, 10);
        double Skew(double alpha)
        {
            var shards = Partitioner.Split(labels, 10, 20, PartitionSpec.Dirichlet(alpha), new Random(3));
            // mean over devices of the share of the device's most common label
            return shards.Where(s => s.Length > 0).Average(s => s.GroupBy(r => labels[r]).Max(g => g.Count()) / (double)s.Length);
        }

        double skewed = Skew(0.1);
        double mixed = Skew(1000);
        Assert.True(skewed > 0.5, $"α=0.1: mean top-label share {skewed}");
        Assert.True(mixed < 0.2, $"α=1000: mean top-label share {mixed} (uniform would be 0.1)");
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(4.5)]
    public void Gamma_draws_have_the_shape_as_mean_and_variance(double shape)
    {
        var random = new Random(4);
        const int n = 200_000;
        double sum = 0, squares = 0;
        for (int i = 0; i < n; i++)
        {
            double x = Partitioner.Gamma(shape, random);
            sum += x;
            squares += x * x;
        }

        double mean = sum / n;
        double variance = (squares / n) - (mean * mean);
        // Gamma(k, 1): mean k, variance k. Standard error of the mean sqrt(k/n) ≤ 0.005 here; allow 5 % of k + 0.01.
        Assert.Equal(shape, mean, (0.05 * shape) + 0.01);
        Assert.Equal(shape, variance, (0.08 * shape) + 0.02);
    }

    [Theory]
    [InlineData("iid", PartitionKind.Iid)]
    [InlineData("natural", PartitionKind.Natural)]
    [InlineData("Dirichlet:0.5", PartitionKind.Dirichlet)]
    public void Parse_reads_the_three_schemes(string text, PartitionKind kind)
    {
        Assert.Equal(kind, PartitionSpec.Parse(text).Kind);
    }

    [Theory]
    [InlineData("dirichlet")]
    [InlineData("dirichlet:0")]
    [InlineData("dirichlet:-1")]
    [InlineData("dirichlet:abc")]
    [InlineData("shards")]
    public void Parse_rejects_anything_else_with_a_message_naming_the_value(string text)
    {
        var ex = Assert.Throws<FormatException>(() => PartitionSpec.Parse(text));
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }
}
