using System.Globalization;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.FedAvg;
using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.Buffered;

/// <summary>
/// Buffered asynchronous aggregation — FedBuff and FTTE are this one strategy with a different
/// <see cref="BufferWeighting"/>. The server accumulates K client updates, each of staleness τ_i = current version − base
/// version, and steps
///     w ← w + η_g · (1/n) Σ_j s(τ_j) · Σ_i p_i Δ_i,    s(τ) = 1/√(1+τ),
/// with p_i = s(τ_i)/Σ_j s(τ_j) for FedBuff (Nguyen, Malik, Zhan, Yousefpour, Rabbat, Malek, Huba 2022, "Federated
/// Learning with Buffered Asynchronous Aggregation", Alg. 1: normalised by K, NOT by Σ s(τ_i), so a stale buffer moves
/// the model less than a fresh one — written as a weighted centre times the damping Σ s / n so that a robust combiner
/// can replace the weighted mean) and p_i from <see cref="FtteWeights"/> (staleness × dispersion) for FTTE (Federated
/// Tiny Training Engine, arXiv 2510.03165), whose devices train a server-assigned sparse subset. With all dispersion
/// factors equal the two steps are identical. n is the number of buffered updates: K when <see cref="IsReady"/> triggered
/// the step. (The paper's Δ is x_start − x_end and the server subtracts; here Δ = local − global and the server adds.)
/// </summary>
public sealed class BufferedStrategy : IAggregationStrategy
{
    /// <summary>Creates the strategy with validated options and a combiner (default: weighted mean).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public BufferedStrategy(BufferedOptions options, IUpdateCombiner? combiner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Combiner = combiner ?? WeightedMeanCombiner.Instance;
    }

    /// <summary>The settings.</summary>
    public BufferedOptions Options { get; }

    /// <inheritdoc/>
    public IUpdateCombiner Combiner { get; }

    /// <inheritdoc/>
    public string Name => Options.Weighting == BufferWeighting.Staleness
        ? string.Create(CultureInfo.InvariantCulture, $"FedBuff(K={Options.BufferSize}, η_g={Options.ServerLearningRate}, τmax={Options.MaxStaleness}, {Combiner.Name})")
        : string.Create(CultureInfo.InvariantCulture, $"FTTE(K={Options.BufferSize}, η={Options.ServerLearningRate}, τmax={Options.MaxStaleness}, {Combiner.Name})");

    /// <inheritdoc/>
    public UpdateVerdict Admit(ClientUpdate update, IReadOnlyList<ClientUpdate> buffer, AggregationContext context) =>
        AsyncAdmission.Admit(update, buffer, context, Options.MaxStaleness);

    /// <inheritdoc/>
    public bool IsReady(IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return buffer.Count >= Options.BufferSize;
    }

    /// <inheritdoc/>
    public RoundState Configure(RoundState state, RoundContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(context);
        return Options.AssignSubsets && state.Subset is null ? ChooseSubset(state, context) : state;
    }

    /// <inheritdoc/>
    public RoundDecision Decide(RoundState state, IReadOnlyList<ClientUpdate> buffer, AggregationContext context) =>
        IsReady(buffer, context) ? RoundDecision.Close : RoundDecision.Wait;

    /// <inheritdoc/>
    public RoundState AfterStep(RoundState state, ParameterSet before, ParameterSet after, RoundContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(context);
        if (!Options.AssignSubsets)
        {
            return state;
        }

        // FTTE: the coordinates the fleet just moved most are the ones still learning (SubsetSelection)
        var step = new float[before.Length];
        System.Numerics.Tensors.TensorPrimitives.Subtract(after.Buffer, before.Buffer, step);
        float[] importance = state.Importance is { } known ? (float[])known.Clone() : new float[before.Length];
        SubsetSelection.AccumulateImportance(importance, step, 0.9f);
        return ChooseSubset(state with { Importance = importance }, context);
    }

    /// <summary>
    /// The subset the smallest reported training-memory budget can train (<see cref="BufferedOptions.DefaultMemoryBudgetBytes"/>
    /// before any device reported), drawn from (seed, version) so a restarted aggregator draws the same; if none fits, the
    /// previous subset stays and the unmet budget is noted for the operator.
    /// </summary>
    private RoundState ChooseSubset(RoundState state, RoundContext context)
    {
        long budget = context.Devices.Count == 0 ? Options.DefaultMemoryBudgetBytes : context.Devices.Min(d => d.MemoryBudgetBytes);
        float[] importance = state.Importance ?? new float[context.Layout.TotalLength];
        var random = new Random(context.Seed + (int)context.CurrentVersion);
        return SubsetSelection.TrySelect(context.Layout, budget, TrainingMemoryModel.Default, importance, SubsetSelection.DefaultExplorationFraction, random, out var subset)
            ? state with { Subset = subset, Importance = importance, UnmetMemoryBudget = null }
            : state with { Importance = importance, UnmetMemoryBudget = budget };
    }

    /// <summary>
    /// K, however full the buffer: it steps at K and refills at once, so the demand is a steady K updates per step interval.
    /// Asking for the free places instead stretched the check-in windows as the buffer filled (its last updates took
    /// T·(1 + ½ + … + 1/K), ≈ 4.5 T at K = 50) and changed the pace on every accepted update, so no device could take a
    /// quiet check-in (docs/evaluation.md, "Seventh pass").
    /// </summary>
    public int UpdatesWanted(IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Options.BufferSize;
    }

    /// <inheritdoc/>
    public AggregationResult Aggregate(ParameterSet model, IReadOnlyList<ClientUpdate> buffer, AggregationContext context) =>
        Options.Weighting == BufferWeighting.Staleness
            ? BufferedStep.Aggregate(Name, Options.ServerLearningRate, Combiner, model, buffer, context, static (_, staleness) => StalenessWeights(staleness))
            : BufferedStep.Aggregate(Name, Options.ServerLearningRate, Combiner, model, buffer, context, static (deltas, staleness) => FtteWeights.Compute(deltas, staleness));

    /// <inheritdoc/>
    public IAggregationStrategy WithCombiner(IUpdateCombiner combiner)
    {
        ArgumentNullException.ThrowIfNull(combiner);
        return new BufferedStrategy(Options, combiner);
    }

    /// <summary>p_i = s(τ_i) / Σ_j s(τ_j); with the damping Σ s / n as the step scale this is η_g · (1/n) Σ s(τ_i) Δ_i.</summary>
    private static double[] StalenessWeights(long[] staleness)
    {
        var weights = new double[staleness.Length];
        double sum = 0.0;
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = StalenessWeight.Polynomial(staleness[i]);
            sum += weights[i];
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }

        return weights;
    }
}
