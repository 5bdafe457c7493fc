using System.Globalization;
using System.Numerics.Tensors;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.Robust;

/// <summary>
/// Norm bounding as a decorator around any strategy (Sun, Kairouz, Suresh, McMahan 2019, "Can You Really
/// Backdoor Federated Learning?", §4): before the inner strategy weighs and combines them, every delta is
/// clipped to L2 norm M, Δ ← Δ · min(1, M/‖Δ‖), so no single client can move the model by more than η·M
/// regardless of its weight. Admission and readiness are the inner strategy's; the buffer is not modified
/// (clipped copies are aggregated).
/// </summary>
public sealed class NormBoundingStrategy : IAggregationStrategy
{
    /// <summary>Wraps <paramref name="inner"/> with bound <paramref name="maxNorm"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">M not positive and finite.</exception>
    public NormBoundingStrategy(IAggregationStrategy inner, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(maxNorm > 0.0) || maxNorm > float.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The norm bound M must be positive and finite.");
        }

        Inner = inner;
        MaxNorm = maxNorm;
    }

    /// <summary>The wrapped strategy.</summary>
    public IAggregationStrategy Inner { get; }

    /// <summary>M, the L2 bound on each delta.</summary>
    public double MaxNorm { get; }

    /// <inheritdoc/>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"NormBound(M={MaxNorm}) ∘ {Inner.Name}");

    /// <inheritdoc/>
    public IUpdateCombiner Combiner => Inner.Combiner;

    /// <inheritdoc/>
    public UpdateVerdict Admit(ClientUpdate update, IReadOnlyList<ClientUpdate> buffer, AggregationContext context) =>
        Inner.Admit(update, buffer, context);

    /// <inheritdoc/>
    public RoundState Configure(RoundState state, RoundContext context) => Inner.Configure(state, context);

    /// <inheritdoc/>
    public FedAvg.RoundDecision Decide(RoundState state, IReadOnlyList<ClientUpdate> buffer, AggregationContext context) => Inner.Decide(state, buffer, context);

    /// <inheritdoc/>
    public RoundState AfterStep(RoundState state, ParameterSet before, ParameterSet after, RoundContext context) => Inner.AfterStep(state, before, after, context);

    /// <inheritdoc/>
    public int UpdatesWanted(IReadOnlyList<ClientUpdate> buffer, AggregationContext context) => Inner.UpdatesWanted(buffer, context);

    /// <inheritdoc/>
    public bool IsReady(IReadOnlyList<ClientUpdate> buffer, AggregationContext context) => Inner.IsReady(buffer, context);

    /// <inheritdoc/>
    public AggregationResult Aggregate(ParameterSet model, IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var clipped = new ClientUpdate[buffer.Count];
        var factors = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < clipped.Length; i++)
        {
            var update = buffer[i];
            ArgumentNullException.ThrowIfNull(update);
            float[] delta = update.Delta is null ? [] : (float[])update.Delta.Clone();
            double factor = Clip(delta, MaxNorm);
            factors[update.UpdateId] = factor;
            clipped[i] = update with { Delta = delta };
        }

        var result = Inner.Aggregate(model, clipped, context);
        var rows = result.Report.Contributions
            .Select(c => c with { ClipFactor = c.ClipFactor * factors.GetValueOrDefault(c.UpdateId, 1.0) })
            .ToArray();
        return result with { Report = result.Report with { Strategy = Name, Contributions = rows } };
    }

    /// <inheritdoc/>
    public IAggregationStrategy WithCombiner(IUpdateCombiner combiner) => new NormBoundingStrategy(Inner.WithCombiner(combiner), MaxNorm);

    /// <summary>Δ ← Δ · min(1, M/‖Δ‖) in place; returns the factor. Non-finite deltas are left for the inner validation to reject.</summary>
    internal static double Clip(Span<float> delta, double maxNorm)
    {
        float norm = TensorPrimitives.Norm(delta);
        if (!float.IsFinite(norm) || norm <= maxNorm)
        {
            return 1.0;
        }

        float factor = (float)(maxNorm / norm);
        TensorPrimitives.Multiply(delta, factor, delta);
        return factor;
    }
}
