using System.Diagnostics.CodeAnalysis;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.Ftte;

/// <summary>
/// FTTE's server-side choice of the sparse trainable subset (arXiv 2510.03165: the server picks a subset that
/// fits the most constrained participating device). Which: coordinates by descending importance, where importance is
/// an exponential moving average of |aggregated global step| per coordinate (<see cref="AccumulateImportance"/>) —
/// coordinates the fleet has recently moved most are the ones still learning — with ties broken towards the higher
/// flat index, i.e. later tensors first. In a layout ordered from input to output that means "last layers first"
/// when there is no history yet (all importances 0), which is the usual choice for on-device fine-tuning. How many:
/// as many as the <see cref="TrainingMemoryModel"/> allows under the smallest budget, counted with
/// <see cref="TrainingMemoryModel.RequiredBytes(ParameterLayout, ParameterSubset)"/>: a coordinate also costs what it adds
/// to its tensor's gradient copy (a new row or column of a weight, <see cref="SubsetGradient"/>), so a coordinate whose
/// copy does not fit is skipped, and cheaper ones further down the ranking take its place. A share ρ of the
/// spare bytes (beyond the best-ranked coordinate that fits, which is always taken) is instead spent on coordinates
/// drawn uniformly from the rest with the injected <see cref="Random"/>, so coordinates never trained get a chance to
/// earn importance (without it the rule only ever re-selects what it selected). Whatever is left after that is filled
/// in ranking order, so no single further coordinate would fit. Deterministic given the inputs and the Random's state.
/// </summary>
public static class SubsetSelection
{
    /// <summary>Default ρ: 10 % of the spare bytes explore.</summary>
    public const double DefaultExplorationFraction = 0.1;

    /// <summary>
    /// Chooses the subset for a device with <paramref name="budgetBytes"/> of training memory. False when not
    /// even one parameter fits (the device should not be asked to train).
    /// </summary>
    /// <param name="layout">The model layout.</param>
    /// <param name="budgetBytes">Training memory of the most constrained participating device.</param>
    /// <param name="memory">The memory model for that device class.</param>
    /// <param name="importance">Per-coordinate importance (finite, ≥ 0), length N.</param>
    /// <param name="explorationFraction">ρ ∈ [0, 1]: share of the spare bytes spent on coordinates drawn at random from the non-selected ones.</param>
    /// <param name="random">Seeded source for the exploration draw (unused when nothing is left to draw from).</param>
    /// <param name="subset">The chosen subset, sorted.</param>
    public static bool TrySelect(
        ParameterLayout layout,
        long budgetBytes,
        TrainingMemoryModel memory,
        ReadOnlySpan<float> importance,
        double explorationFraction,
        Random random,
        [NotNullWhen(true)] out ParameterSubset? subset)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(random);
        int n = layout.TotalLength;
        if (importance.Length != n)
        {
            throw new ArgumentException($"Importance has {importance.Length} entries, the layout {n}.", nameof(importance));
        }

        if (!(explorationFraction >= 0.0 && explorationFraction <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(explorationFraction), explorationFraction, "ρ must lie in [0, 1].");
        }

        foreach (float v in importance)
        {
            if (!(v >= 0f) || float.IsPositiveInfinity(v))
            {
                throw new ArgumentException("Importance values must be finite and ≥ 0.", nameof(importance));
            }
        }

        if (memory.RequiredBytes(layout, n) <= budgetBytes)
        {
            subset = new ParameterSubset([.. Enumerable.Range(0, n)], n);
            return true;
        }

        // Total order (importance desc, then index desc), so the sort's result does not depend on its algorithm.
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        float[] keys = importance.ToArray();
        Array.Sort(order, (a, b) =>
        {
            int byImportance = keys[b].CompareTo(keys[a]);
            return byImportance != 0 ? byImportance : b.CompareTo(a);
        });

        var picker = new Picker(layout, memory, budgetBytes - memory.FixedBytes(layout));
        long exploitBytes = picker.Spare - (long)Math.Floor(explorationFraction * picker.Spare);
        foreach (int c in order)
        {
            // the best-ranked coordinate that fits at all is always taken, also when its tensor's copy exceeds the ranking's share
            picker.TryTake(c, picker.Count == 0 ? picker.Spare : exploitBytes);
        }

        // exploration: the rest in a uniformly random order (Fisher–Yates), each taken if it still fits
        if (explorationFraction > 0)
        {
            int[] rest = [.. order.Where(c => !picker.Chosen[c])];
            for (int i = 0; i < rest.Length; i++)
            {
                int j = random.Next(i, rest.Length);
                (rest[i], rest[j]) = (rest[j], rest[i]);
                picker.TryTake(rest[i], picker.Spare);
            }
        }

        // fill what is left in ranking order; a coordinate whose tensor was touched later costs less than when it was tried
        bool added = true;
        while (added)
        {
            added = false;
            foreach (int c in order)
            {
                added |= picker.TryTake(c, picker.Spare);
            }
        }

        if (picker.Count == 0)
        {
            subset = null;
            return false;
        }

        int[] chosen = new int[picker.Count];
        int next = 0;
        for (int i = 0; i < n; i++)
        {
            if (picker.Chosen[i])
            {
                chosen[next++] = i;
            }
        }

        subset = new ParameterSubset(chosen, n);
        return true;
    }

    /// <summary>
    /// importance ← decay · importance + |step| after each aggregation (step = new global − old global), the
    /// exponential moving average of step magnitudes the selection ranks by.
    /// </summary>
    public static void AccumulateImportance(Span<float> importance, ReadOnlySpan<float> step, float decay)
    {
        if (importance.Length != step.Length)
        {
            throw new ArgumentException("Importance and step lengths differ.", nameof(step));
        }

        if (!(decay >= 0f && decay <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay must lie in [0, 1].");
        }

        for (int i = 0; i < importance.Length; i++)
        {
            importance[i] = (decay * importance[i]) + Math.Abs(step[i]);
        }
    }

    /// <summary>
    /// The greedy's state: what is chosen, the rows and columns it touches in each weight (hence each tensor's gradient
    /// copy, <see cref="SubsetGradient"/>), and the bytes spent beyond the fixed part.
    /// </summary>
    private sealed class Picker
    {
        private readonly ParameterLayout _layout;
        private readonly int[] _tensorOf;
        private readonly bool[][] _rowSeen;
        private readonly bool[][] _columnSeen;
        private readonly int[] _touchedRows;
        private readonly int[] _touchedColumns;
        private readonly long[] _elements;
        private readonly long _perTrainable;
        private long _sum;
        private long _largest;
        private long _copies;

        public Picker(ParameterLayout layout, TrainingMemoryModel memory, long spare)
        {
            _layout = layout;
            _perTrainable = memory.BytesPerTrainable;
            Spare = spare;
            Chosen = new bool[layout.TotalLength];
            _tensorOf = new int[layout.TotalLength];
            _rowSeen = new bool[layout.Count][];
            _columnSeen = new bool[layout.Count][];
            _touchedRows = new int[layout.Count];
            _touchedColumns = new int[layout.Count];
            _elements = new long[layout.Count];
            for (int t = 0; t < layout.Count; t++)
            {
                var spec = layout.Tensors[t];
                _tensorOf.AsSpan(layout.OffsetOf(t), spec.Length).Fill(t);
                bool matrix = spec.Shape.Count == 2;
                _rowSeen[t] = matrix ? new bool[spec.Shape[0]] : [];
                _columnSeen[t] = matrix ? new bool[spec.Shape[1]] : [];
            }
        }

        public long Spare { get; }

        public bool[] Chosen { get; }

        public int Count { get; private set; }

        private long Spent { get; set; }

        /// <summary>Takes coordinate <paramref name="c"/> if it is not chosen yet and the bytes spent stay within <paramref name="limit"/>.</summary>
        public bool TryTake(int c, long limit)
        {
            if (Chosen[c])
            {
                return false;
            }

            int t = _tensorOf[c];
            var spec = _layout.Tensors[t];
            int row = 0, column = 0;
            long elements = spec.Length;
            bool matrix = _rowSeen[t].Length > 0;
            if (matrix)
            {
                int local = c - _layout.OffsetOf(t);
                row = local / spec.Shape[1];
                column = local % spec.Shape[1];
                int rows = _touchedRows[t] + (_rowSeen[t][row] ? 0 : 1);
                int columns = _touchedColumns[t] + (_columnSeen[t][column] ? 0 : 1);
                elements = SubsetGradient.ElementsFor(spec.Shape[0], spec.Shape[1], rows, columns);
            }

            long sum = _sum - _elements[t] + elements;
            long largest = Math.Max(_largest, elements);
            long copies = TrainingMemoryModel.GradientCopyBytes(sum, largest);
            long cost = _perTrainable + (copies - _copies);
            if (Spent + cost > limit)
            {
                return false;
            }

            Chosen[c] = true;
            if (matrix)
            {
                _touchedRows[t] += _rowSeen[t][row] ? 0 : 1;
                _touchedColumns[t] += _columnSeen[t][column] ? 0 : 1;
                _rowSeen[t][row] = true;
                _columnSeen[t][column] = true;
            }

            _elements[t] = elements;
            (_sum, _largest, _copies) = (sum, largest, copies);
            Spent += cost;
            Count++;
            return true;
        }
    }
}
