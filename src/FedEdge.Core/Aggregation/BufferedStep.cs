using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// The step both buffered asynchronous strategies take, parameterised by how the buffered updates
/// are weighted: canonical order, staleness τᵢ, FedBuff's damping (1/n)·Σ s(τⱼ) as the step scale
/// (times η), the strategy's normalised weights for the centre, and the report.
/// </summary>
/// <remarks>
/// A buffer may mix dense updates with sparse ones over the assigned subset (FTTE per memory class: a device that can hold
/// the whole model trains all of it, a constrained one the subset). The step is then taken per <em>cell</em> — the
/// coordinates covered by the same updates — as if the cell's updates were the whole buffer: their weights on their values
/// there, their damping, their centre. A coordinate is therefore moved by the updates that trained it and is not pulled
/// towards 0 by those that did not. A buffer of one kind is one cell, and its step is exactly the single-kind step.
/// </remarks>
internal static class BufferedStep
{
    public static AggregationResult Aggregate(
        string name,
        double learningRate,
        IUpdateCombiner combiner,
        ParameterSet model,
        IReadOnlyList<ClientUpdate> buffer,
        AggregationContext context,
        Func<IReadOnlyList<float[]>, long[], double[]> normalisedWeights)
    {
        var ordered = AggregationStep.Canonical(buffer, context);
        var staleness = new long[ordered.Length];
        for (int i = 0; i < ordered.Length; i++)
        {
            staleness[i] = AggregationStep.Staleness(ordered[i], context);
        }

        if (Array.TrueForAll(ordered, u => Equals(u.Subset, ordered[0].Subset)))
        {
            double[] weights = normalisedWeights(Array.ConvertAll(ordered, u => u.Delta), staleness);
            double scale = Scale(learningRate, staleness);
            var next = AggregationStep.Apply(model, ordered, weights, scale, combiner, context with { Subset = ordered[0].Subset });
            return new AggregationResult(next, Report(name, ordered, weights, scale, combiner, context));
        }

        return Mixed(name, learningRate, combiner, model, ordered, staleness, context, normalisedWeights);
    }

    /// <summary>η · (1/n) Σ s(τᵢ): FedBuff's damping of a buffer (or a cell) with these stalenesses.</summary>
    private static double Scale(double learningRate, ReadOnlySpan<long> staleness)
    {
        double damping = 0.0;
        foreach (long tau in staleness)
        {
            damping += StalenessWeight.Polynomial(tau);
        }

        return learningRate * damping / staleness.Length;
    }

    private static AggregationResult Mixed(
        string name,
        double learningRate,
        IUpdateCombiner combiner,
        ParameterSet model,
        ClientUpdate[] ordered,
        long[] staleness,
        AggregationContext context,
        Func<IReadOnlyList<float[]>, long[], double[]> normalisedWeights)
    {
        int n = context.Layout.TotalLength;

        // where each update's value of coordinate j sits in its delta (−1: not trained); dense updates use j itself
        var kinds = new List<ParameterSubset?>();
        var kindOf = new int[ordered.Length];
        for (int i = 0; i < ordered.Length; i++)
        {
            int kind = kinds.FindIndex(k => Equals(k, ordered[i].Subset));
            if (kind < 0)
            {
                kind = kinds.Count;
                kinds.Add(ordered[i].Subset);
            }

            kindOf[i] = kind;
        }

        if (kinds.Count > 64)
        {
            throw new ArgumentException($"The buffer mixes {kinds.Count} different subsets; at most 64 can be pooled.", nameof(ordered));
        }

        var positions = new int[kinds.Count][];
        for (int k = 0; k < kinds.Count; k++)
        {
            if (kinds[k] is { } subset)
            {
                positions[k] = new int[n];
                Array.Fill(positions[k], -1);
                ReadOnlySpan<int> indices = subset.Indices;
                for (int p = 0; p < indices.Length; p++)
                {
                    positions[k][indices[p]] = p;
                }
            }
        }

        // the cells: coordinates grouped by which kinds of update cover them, in order of first coordinate
        var cells = new Dictionary<ulong, List<int>>();
        var cellOrder = new List<ulong>();
        for (int j = 0; j < n; j++)
        {
            ulong mask = 0;
            for (int k = 0; k < kinds.Count; k++)
            {
                if (positions[k] is null || positions[k][j] >= 0)
                {
                    mask |= 1UL << k;
                }
            }

            if (!cells.TryGetValue(mask, out var coordinates))
            {
                cells[mask] = coordinates = [];
                cellOrder.Add(mask);
            }

            coordinates.Add(j);
        }

        var result = model.Clone();
        Span<float> target = result.AsSpan();
        var reportWeights = new double[ordered.Length];
        double reportScale = 0.0;
        int reportCoordinates = -1;
        foreach (ulong mask in cellOrder)
        {
            if (mask == 0)
            {
                continue; // no update of this buffer trained these coordinates (two subsets, no dense update): they stay
            }

            var coordinates = cells[mask];
            int[] members = [.. Enumerable.Range(0, ordered.Length).Where(i => (mask & (1UL << kindOf[i])) != 0)];
            var values = new float[members.Length][];
            var cellStaleness = new long[members.Length];
            for (int m = 0; m < members.Length; m++)
            {
                var update = ordered[members[m]];
                int[]? position = positions[kindOf[members[m]]];
                values[m] = new float[coordinates.Count];
                for (int c = 0; c < coordinates.Count; c++)
                {
                    values[m][c] = update.Delta[position is null ? coordinates[c] : position[coordinates[c]]];
                }

                cellStaleness[m] = staleness[members[m]];
            }

            double[] weights = normalisedWeights(values, cellStaleness);
            double scale = Scale(learningRate, cellStaleness);
            var centre = new float[coordinates.Count];
            combiner.Combine(values, weights, centre);
            float step = (float)scale;
            for (int c = 0; c < coordinates.Count; c++)
            {
                target[coordinates[c]] += step * centre[c];
            }

            // the report shows the weights of the largest cell every update takes part in (else of the largest cell)
            bool everyone = members.Length == ordered.Length;
            int rank = (everyone ? n + 1 : 0) + coordinates.Count;
            if (rank > reportCoordinates)
            {
                reportCoordinates = rank;
                Array.Clear(reportWeights);
                for (int m = 0; m < members.Length; m++)
                {
                    reportWeights[members[m]] = weights[m];
                }

                reportScale = scale;
            }
        }

        return new AggregationResult(result, Report(name, ordered, reportWeights, reportScale, combiner, context));
    }

    private static AggregationReport Report(string name, ClientUpdate[] ordered, double[] weights, double scale, IUpdateCombiner combiner, AggregationContext context) =>
        new(name, context.CurrentVersion, context.CurrentVersion + 1, AggregationStep.Contributions(ordered, weights, context), scale, combiner.Name);
}
