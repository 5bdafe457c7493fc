using FedEdge.Device.Personalization;

namespace FedEdge.Agent.Tests.Personalization;

public class FoldAssignmentTests
{
    // A skewed home: 17 of class 2, 9 of class 7, 4 of class 0, 1 of class 5, in mixed order.
    private static int[] SkewedLabels()
    {
        var labels = new List<int>();
        labels.AddRange(Enumerable.Repeat(2, 17));
        labels.AddRange(Enumerable.Repeat(7, 9));
        labels.AddRange(Enumerable.Repeat(0, 4));
        labels.Add(5);
        var array = labels.ToArray();
        new Random(4).Shuffle(array);
        return array;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(10)]
    public void Every_sample_is_held_out_exactly_once_and_fold_sizes_differ_by_at_most_one(int folds)
    {
        int[] labels = SkewedLabels();

        int[] fold = FoldAssignment.Stratified(labels, folds, seed: 1);

        // Leave-fold-out: count, over all folds, how often each row is in the held-out set.
        int[] heldOut = new int[labels.Length];
        int[] sizes = new int[folds];
        for (int f = 0; f < folds; f++)
        {
            for (int row = 0; row < labels.Length; row++)
            {
                if (fold[row] == f)
                {
                    heldOut[row]++;
                    sizes[f]++;
                }
            }
        }

        Assert.All(heldOut, count => Assert.Equal(1, count));
        Assert.Equal(labels.Length, sizes.Sum());
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
    }

    [Fact]
    public void Each_class_is_spread_over_the_folds_within_one_sample()
    {
        int[] labels = SkewedLabels();
        const int Folds = 5;

        int[] fold = FoldAssignment.Stratified(labels, Folds, seed: 9);

        foreach (int label in labels.Distinct())
        {
            int[] perFold = new int[Folds];
            for (int row = 0; row < labels.Length; row++)
            {
                if (labels[row] == label)
                {
                    perFold[fold[row]]++;
                }
            }

            // 17 over 5 folds → 3 or 4 each; 4 over 5 → 0 or 1 each; never 2 in one fold and 0 in another
            Assert.True(perFold.Max() - perFold.Min() <= 1, $"class {label}: {string.Join(",", perFold)}");
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_folds_and_another_seed_other_folds()
    {
        int[] labels = SkewedLabels();

        Assert.Equal(FoldAssignment.Stratified(labels, 5, 3), FoldAssignment.Stratified(labels, 5, 3));
        Assert.NotEqual(FoldAssignment.Stratified(labels, 5, 3), FoldAssignment.Stratified(labels, 5, 4));
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FoldAssignment.Stratified([0, 1, 0], 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FoldAssignment.Stratified([0, 1, 0], 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FoldAssignment.Stratified([0, -1, 0], 2, 0));
    }
}
