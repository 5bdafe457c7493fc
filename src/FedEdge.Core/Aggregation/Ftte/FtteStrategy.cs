using System.Globalization;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.Ftte;

/// <summary>
/// FTTE's buffered semi-asynchronous aggregation (Federated Tiny Training Engine, arXiv 2510.03165): devices
/// train the server-assigned sparse <see cref="Codecs.ParameterSubset"/> (see <see cref="SubsetSelection"/>),
/// the server buffers K updates and steps
///     w[S] ← w[S] + η · (1/n) Σ_j s(τ_j) · Σ_i w_i Δ_i,
/// with w_i from <see cref="FtteWeights"/> (staleness × dispersion, normalised). The factor (1/n) Σ s(τ_j) is
/// FedBuff's damping of a stale buffer (Nguyen et al. 2022): with all dispersion factors equal this step is
/// exactly FedBuff's, and with zero staleness it is η times the weighted centre.
/// </summary>
public sealed class FtteStrategy : IAggregationStrategy
{
    /// <summary>Creates the strategy with validated options and a combiner (default: weighted mean).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public FtteStrategy(FtteOptions options, IUpdateCombiner? combiner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Combiner = combiner ?? WeightedMeanCombiner.Instance;
    }

    /// <summary>The settings.</summary>
    public FtteOptions Options { get; }

    /// <inheritdoc/>
    public IUpdateCombiner Combiner { get; }

    /// <inheritdoc/>
    public string Name => string.Create(
        CultureInfo.InvariantCulture,
        $"FTTE(K={Options.BufferSize}, η={Options.ServerLearningRate}, τmax={Options.MaxStaleness}, {Combiner.Name})");

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
        BufferedStep.Aggregate(Name, Options.ServerLearningRate, Combiner, model, buffer, context,
            static (ordered, staleness) => FtteWeights.Compute(Array.ConvertAll(ordered, u => u.Delta), staleness));

    /// <inheritdoc/>
    public IAggregationStrategy WithCombiner(IUpdateCombiner combiner)
    {
        ArgumentNullException.ThrowIfNull(combiner);
        return new FtteStrategy(Options, combiner);
    }
}
