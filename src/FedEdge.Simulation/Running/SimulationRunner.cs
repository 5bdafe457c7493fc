using FedEdge.Simulation.Data;
using FedEdge.Simulation.Results;
using Microsoft.Extensions.Logging;

namespace FedEdge.Simulation.Running;

/// <summary>Runs every (seed, strategy) pair of a simulation: each seed's data and fleet are shared by its strategies.</summary>
public static class SimulationRunner
{
    /// <summary>Runs all pairs in order (seed-major) and returns their results.</summary>
    public static async Task<IReadOnlyList<RunResult>> RunAllAsync(
        SimulationOptions options, IProgress<SimulationProgress>? progress, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var results = new List<RunResult>();
        foreach (int seed in options.Seeds)
        {
            var data = await FederatedDataLoader.LoadAsync(options.Dataset, options.Partition, options.Devices, options.SamplesPerHome, seed, cancellationToken).ConfigureAwait(false);
            foreach (var strategy in options.Strategies)
            {
                results.Add(await FleetSimulation.RunAsync(options, strategy, seed, data, progress, loggers, cancellationToken).ConfigureAwait(false));
            }
        }

        return results;
    }
}
