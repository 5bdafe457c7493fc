namespace FedEdge.Device.Personalization;

/// <summary>
/// Seeded, stratified assignment of a device's samples to k cross-validation folds (pure function).
/// </summary>
/// <remarks>
/// The rows of each class are shuffled with the seed and dealt round-robin over the folds, the
/// dealing continuing from class to class, so every sample is in exactly one fold, fold sizes
/// differ by at most one, and each class's count differs by at most one between folds. Stratified
/// because a home's classes are few and skewed (Dirichlet 0.3): a plain shuffle could leave a fold
/// with none of a rare class, and then that fold's training set would hold all of them.
/// </remarks>
public static class FoldAssignment
{
    /// <summary>The fold (0..<paramref name="folds"/>−1) of every row, given the rows' labels.</summary>
    /// <param name="labels">Class label of each row (non-negative).</param>
    /// <param name="folds">Number of folds, at least 2 and at most the number of rows.</param>
    /// <param name="seed">Seeds the shuffle within each class: the same seed gives the same folds.</param>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 folds, more folds than rows, or a negative label.</exception>
    public static int[] Stratified(ReadOnlySpan<int> labels, int folds, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(folds, labels.Length);
        int classes = 0;
        foreach (int label in labels)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(label, nameof(labels));
            classes = Math.Max(classes, label + 1);
        }

        // rows grouped by class, in row order within a class (counting sort)
        int[] start = new int[classes + 1];
        foreach (int label in labels)
        {
            start[label + 1]++;
        }

        for (int c = 0; c < classes; c++)
        {
            start[c + 1] += start[c];
        }

        int[] grouped = new int[labels.Length];
        int[] next = start[..classes];
        for (int row = 0; row < labels.Length; row++)
        {
            grouped[next[labels[row]]++] = row;
        }

        var random = new Random(seed);
        int[] fold = new int[labels.Length];
        int dealt = 0;
        for (int c = 0; c < classes; c++)
        {
            var rows = grouped.AsSpan(start[c], start[c + 1] - start[c]);
            random.Shuffle(rows);
            foreach (int row in rows)
            {
                fold[row] = dealt++ % folds;
            }
        }

        return fold;
    }
}
