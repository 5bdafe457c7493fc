using FedEdge.Core.Codecs;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.Codecs;

public class MagnitudeSelectionTests
{
    [Property(MaxTest = 200)]
    public void Kth_largest_matches_a_full_descending_sort(int seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(1, 400);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            // Few distinct values half the time, to exercise ties.
            values[i] = rng.Next(2) == 0 ? rng.Next(0, 4) : (float)rng.NextDouble();
        }

        int k = rng.Next(1, n + 1);
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);
        Array.Reverse(sorted);

        Assert.Equal(sorted[k - 1], MagnitudeSelection.KthLargest(values, k));
    }
}
