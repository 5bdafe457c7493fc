using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Buffered;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Aggregation.FedAvg;
using FedEdge.Core.Aggregation.Robust;

namespace FedEdge.Aggregation.Engine;

/// <summary>
/// The one place a configured <see cref="StrategyKind"/> becomes a strategy (FedBuff and FTTE are one
/// <see cref="BufferedStrategy"/> with different parameters); the engine only talks to <see cref="IAggregationStrategy"/>.
/// </summary>
public static class StrategyFactory
{
    /// <summary>
    /// The strategy <paramref name="options"/> describe, wrapped in its robust combiner and norm bound (by default the bound
    /// derived from the fleet's DP settings, <see cref="AggregationEngineOptions.EffectiveNormBound"/>).
    /// </summary>
    public static IAggregationStrategy Create(AggregationEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IUpdateCombiner? combiner = options.Robust switch
        {
            RobustKind.Median => new CoordinateMedianCombiner(),
            RobustKind.TrimmedMean => new TrimmedMeanCombiner(options.TrimFraction),
            _ => null,
        };
        IAggregationStrategy strategy = options.Strategy switch
        {
            StrategyKind.FedAvg => new FedAvgStrategy(new FedAvgOptions
            {
                ClientsPerRound = options.ClientsPerRound,
                MinClients = options.MinClients,
                RoundDuration = options.RoundDuration,
                ServerLearningRate = options.ServerLearningRate,
                MaxSampleWeight = options.MaxSampleWeight,
            }, combiner),
            _ => new BufferedStrategy(new BufferedOptions
            {
                BufferSize = options.BufferSize,
                ServerLearningRate = options.ServerLearningRate,
                MaxStaleness = options.MaxStaleness,
                Weighting = options.Strategy == StrategyKind.Ftte ? BufferWeighting.StalenessAndDispersion : BufferWeighting.Staleness,
                AssignSubsets = options.Strategy == StrategyKind.Ftte,
                DefaultMemoryBudgetBytes = options.DefaultMemoryBudgetBytes,
            }, combiner),
        };
        int dimension = FedEdge.Core.Models.ModelArchitecture.Parse(options.Architecture).Layout.TotalLength;
        return options.EffectiveNormBound(dimension) is double bound ? new NormBoundingStrategy(strategy, bound) : strategy;
    }
}
