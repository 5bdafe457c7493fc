using System.Globalization;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.FedBuff;

/// <summary>
/// FedBuff (Nguyen, Malik, Zhan, Yousefpour, Rabbat, Malek, Huba 2022, "Federated Learning with Buffered
/// Asynchronous Aggregation", Alg. 1): the server accumulates K client updates, each discounted by its
/// staleness τ_i = current version − base version with s(τ) = 1/√(1+τ), and then steps
///     w ← w + η_g · (1/K) · Σ_i s(τ_i) Δ_i.
/// The paper's normalisation is by K (the buffer size), NOT by Σ s(τ_i): a buffer of stale updates moves the
/// model less than a fresh one. Implemented as centre = Σ p_i Δ_i with p_i = s(τ_i)/Σ_j s(τ_j) and step scale
/// η_g · Σ_j s(τ_j) / n, which is the same quantity but lets a robust combiner replace the weighted mean.
/// n is the number of buffered updates: K when the step was triggered by <see cref="IsReady"/>.
/// (The paper's Δ is x_start − x_end and the server subtracts; here Δ = local − global and the server adds.)
/// </summary>
public sealed class FedBuffStrategy : IAggregationStrategy
{
    /// <summary>Creates the strategy with validated options and a combiner (default: weighted mean).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public FedBuffStrategy(FedBuffOptions options, IUpdateCombiner? combiner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Combiner = combiner ?? WeightedMeanCombiner.Instance;
    }

    /// <summary>The settings.</summary>
    public FedBuffOptions Options { get; }

    /// <inheritdoc/>
    public IUpdateCombiner Combiner { get; }

    /// <inheritdoc/>
    public string Name => string.Create(
        CultureInfo.InvariantCulture,
        $"FedBuff(K={Options.BufferSize}, η_g={Options.ServerLearningRate}, τmax={Options.MaxStaleness}, {Combiner.Name})");

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
    public AggregationResult Aggregate(ParameterSet model, IReadOnlyList<ClientUpdate> buffer, AggregationContext context) =>
        BufferedStep.Aggregate(Name, Options.ServerLearningRate, Combiner, model, buffer, context, static (_, staleness) =>
        {
            // p_i = s(τ_i) / Σ_j s(τ_j); with the damping Σ s / n as the step scale this is η_g · (1/n) Σ s(τ_i) Δ_i
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
        });

    /// <inheritdoc/>
    public IAggregationStrategy WithCombiner(IUpdateCombiner combiner)
    {
        ArgumentNullException.ThrowIfNull(combiner);
        return new FedBuffStrategy(Options, combiner);
    }
}
