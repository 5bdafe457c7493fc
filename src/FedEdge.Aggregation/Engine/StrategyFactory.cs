using FedEdge.Aggregation.Privacy;
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
        if (options.Privacy.Mode == FleetDpMode.Distributed)
        {
            return Distributed(options);
        }

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

    /// <summary>
    /// Under secure aggregation the aggregator never sees an individual update, only a group's noisy mean, and one group is
    /// one buffer of K: the strategy is FedBuff's step on that one mean, w ← w + η_g·s(τ)·mean, with s(τ) the survivors' mean
    /// staleness weight (<see cref="AggregationEngine.EquivalentBaseVersion"/>; a buffer of updates of one base version gets
    /// exactly FedBuff's step). What needs individual updates cannot apply and is left out: the robust combiner (a
    /// trimmed mean or median of one vector is that vector) and the norm bound (clipping on the device, part of the encoding,
    /// is the bound); FTTE's dispersion weighting. FTTE keeps its sparse subsets: the model assigns them per memory class as in
    /// the plain modes, a member trains its subset and sends an update that is zero outside it (noise on every coordinate, so
    /// the encoding and the privacy argument are the dense ones), its join names the subset, and the engine divides each
    /// coordinate of the released sum by the survivors that trained it (<see cref="AggregationEngine.ApplyGroupMean"/>).
    /// FedAvg's cohort rounds are not wired to groups yet and are refused.
    /// </summary>
    private static BufferedStrategy Distributed(AggregationEngineOptions options)
    {
        if (options.Strategy == StrategyKind.FedAvg)
        {
            throw new ArgumentException(
                "Privacy mode Distributed (secure aggregation) runs with FedBuff or FTTE (one group = one buffer of K); FedAvg's cohort rounds are not wired to secure-aggregation groups yet.",
                nameof(options));
        }

        return new BufferedStrategy(new BufferedOptions
        {
            BufferSize = options.BufferSize,
            ServerLearningRate = options.ServerLearningRate,
            MaxStaleness = options.MaxStaleness,
            Weighting = BufferWeighting.Staleness,
            AssignSubsets = options.Strategy == StrategyKind.Ftte,
            DefaultMemoryBudgetBytes = options.DefaultMemoryBudgetBytes,
        });
    }
}
