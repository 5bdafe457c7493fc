using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.Ftte;

/// <summary>Which part of a weight's gradient the subset training graph forms.</summary>
public enum SubsetGradientKind
{
    /// <summary>The whole tensor (a bias, a wholly covered tensor, or when neither restriction is smaller).</summary>
    Full,

    /// <summary>Only the columns the subset touches: hᵀ·G[:, J], in·|J| values.</summary>
    Columns,

    /// <summary>Only the rows the subset touches: h[:, I]ᵀ·G, |I|·out values.</summary>
    Rows,
}

/// <summary>
/// The part of one tensor's gradient the FTTE subset graph forms before it picks the subset's coordinates out of it.
/// A layer's weight gradient hᵀG [in, out] is dense whatever the subset is, but its column j needs only G's column j
/// and its row i only h's column i; so for a weight the subset covers in part, the graph forms the columns J or the rows
/// I the subset touches, whichever is smaller (in·|J| or |I|·out values), and the whole gradient only when neither is.
/// <see cref="TrainingMemoryModel"/> charges <see cref="Elements"/> for it.
/// </summary>
/// <param name="Kind">Whole tensor, columns or rows.</param>
/// <param name="Rows">The distinct rows touched, ascending (for <see cref="SubsetGradientKind.Rows"/>).</param>
/// <param name="Columns">The distinct columns touched, ascending (for <see cref="SubsetGradientKind.Columns"/>).</param>
/// <param name="Elements">Values of the gradient formed.</param>
public sealed record SubsetGradient(SubsetGradientKind Kind, int[] Rows, int[] Columns, long Elements)
{
    /// <summary>
    /// The plan for <paramref name="tensor"/> when the subset touches its <paramref name="localOffsets"/> (offsets within
    /// the tensor, ascending, at least one).
    /// </summary>
    public static SubsetGradient For(TensorSpec tensor, ReadOnlySpan<int> localOffsets)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (localOffsets.IsEmpty)
        {
            throw new ArgumentException("A touched tensor has at least one coordinate in the subset.", nameof(localOffsets));
        }

        if (tensor.Shape.Count != 2 || localOffsets.Length == tensor.Length)
        {
            return new SubsetGradient(SubsetGradientKind.Full, [], [], tensor.Length);
        }

        int rows = tensor.Shape[0];
        int columns = tensor.Shape[1];
        var rowSeen = new bool[rows];
        var columnSeen = new bool[columns];
        foreach (int offset in localOffsets)
        {
            if ((uint)offset >= (uint)tensor.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(localOffsets), offset, $"An offset lies outside {tensor.Name}'s {tensor.Length} values.");
            }

            rowSeen[offset / columns] = true;
            columnSeen[offset % columns] = true;
        }

        int[] touchedRows = Seen(rowSeen);
        int[] touchedColumns = Seen(columnSeen);
        long elements = ElementsFor(rows, columns, touchedRows.Length, touchedColumns.Length);
        var kind = elements == tensor.Length
            ? SubsetGradientKind.Full
            : elements == (long)rows * touchedColumns.Length ? SubsetGradientKind.Columns : SubsetGradientKind.Rows;
        return new SubsetGradient(kind, touchedRows, touchedColumns, elements);
    }

    /// <summary>
    /// The tensors of <paramref name="layout"/> that the sorted <paramref name="indices"/> touch, in layout order, each with
    /// its coordinates' offsets within the tensor and its plan: what the subset graph forms and the memory model charges.
    /// </summary>
    public static IReadOnlyList<TouchedTensor> ForSubset(ParameterLayout layout, ReadOnlySpan<int> indices)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var touched = new List<TouchedTensor>();
        int position = 0;
        for (int t = 0; t < layout.Count && position < indices.Length; t++)
        {
            int offset = layout.OffsetOf(t);
            int end = offset + layout.Tensors[t].Length;
            int first = position;
            while (position < indices.Length && indices[position] < end)
            {
                position++;
            }

            if (position > first)
            {
                int[] local = new int[position - first];
                for (int i = 0; i < local.Length; i++)
                {
                    local[i] = indices[first + i] - offset;
                }

                touched.Add(new TouchedTensor(t, local, For(layout.Tensors[t], local)));
            }
        }

        return touched;
    }

    /// <summary>min(rows·columns, rows·|J|, |I|·columns): the values formed for a weight with |I| rows and |J| columns touched.</summary>
    public static long ElementsFor(int rows, int columns, int touchedRows, int touchedColumns) =>
        Math.Min((long)rows * columns, Math.Min((long)rows * touchedColumns, (long)touchedRows * columns));

    private static int[] Seen(bool[] seen)
    {
        var list = new List<int>();
        for (int i = 0; i < seen.Length; i++)
        {
            if (seen[i])
            {
                list.Add(i);
            }
        }

        return [.. list];
    }
}

/// <summary>A tensor a subset touches (<see cref="SubsetGradient.ForSubset"/>).</summary>
/// <param name="Tensor">Its index in the layout.</param>
/// <param name="LocalOffsets">The subset's coordinates in it, as offsets within the tensor, ascending.</param>
/// <param name="Gradient">What the subset graph forms for it.</param>
public sealed record TouchedTensor(int Tensor, int[] LocalOffsets, SubsetGradient Gradient);
