using System.Globalization;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// The step all strategies share: put the buffer in canonical order, pool the deltas with the combiner and
/// apply global' = global + scale · centre (on the subset's coordinates only, for sparse updates).
/// </summary>
internal static class AggregationStep
{
    /// <summary>The buffer sorted by device id, then update id (ordinal): the order every sum runs in.</summary>
    public static ClientUpdate[] Canonical(IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(context);
        if (buffer.Count == 0)
        {
            throw new ArgumentException("Cannot aggregate an empty buffer.", nameof(buffer));
        }

        var ordered = new ClientUpdate[buffer.Count];
        for (int i = 0; i < ordered.Length; i++)
        {
            var update = buffer[i];
            var verdict = UpdateValidation.Check(update, context);
            if (!verdict.Accepted)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Buffered update '{update?.UpdateId}' is invalid ({verdict.Rejection}): {verdict.Message}"),
                    nameof(buffer));
            }

            ordered[i] = update;
        }

        Array.Sort(ordered, static (a, b) =>
        {
            int byDevice = string.CompareOrdinal(a.DeviceId, b.DeviceId);
            return byDevice != 0 ? byDevice : string.CompareOrdinal(a.UpdateId, b.UpdateId);
        });
        return ordered;
    }

    /// <summary>Staleness τ_i = current − base for each update.</summary>
    public static long Staleness(ClientUpdate update, AggregationContext context) => context.CurrentVersion - update.BaseVersion;

    /// <summary>Pools the deltas and returns global + scale · centre as a new set.</summary>
    public static ParameterSet Apply(
        ParameterSet global,
        ClientUpdate[] ordered,
        ReadOnlySpan<double> weights,
        double scale,
        IUpdateCombiner combiner,
        AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (!global.Layout.Equals(context.Layout))
        {
            throw new ArgumentException("The global model's layout differs from the context's.", nameof(global));
        }

        var deltas = new float[ordered.Length][];
        for (int i = 0; i < ordered.Length; i++)
        {
            deltas[i] = ordered[i].Delta;
        }

        var centre = new float[deltas[0].Length];
        combiner.Combine(deltas, weights, centre);
        var result = global.Clone();
        float step = (float)scale;
        if (context.Subset is null)
        {
            result.AddScaled(new ParameterSet(global.Layout, centre), step);
        }
        else
        {
            Span<float> target = result.AsSpan();
            ReadOnlySpan<int> indices = context.Subset.Indices;
            for (int j = 0; j < indices.Length; j++)
            {
                target[indices[j]] += step * centre[j];
            }
        }

        return result;
    }

    /// <summary>The report rows, in canonical order.</summary>
    public static UpdateContribution[] Contributions(ClientUpdate[] ordered, ReadOnlySpan<double> weights, AggregationContext context)
    {
        var rows = new UpdateContribution[ordered.Length];
        for (int i = 0; i < ordered.Length; i++)
        {
            var u = ordered[i];
            rows[i] = new UpdateContribution(u.UpdateId, u.DeviceId, u.BaseVersion, Staleness(u, context), weights[i]);
        }

        return rows;
    }
}
